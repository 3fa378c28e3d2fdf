import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SESSION_ENTITIES } from './session.entities';
import { SessionsRepository } from './sessions.repository';
import { TurnAborts } from './turn-aborts';

/** Sessions, turns and messages: the tables (this library alone writes them) and the turn-abort topic. */
@Module({
  imports: [TypeOrmModule.forFeature(SESSION_ENTITIES)],
  providers: [SessionsRepository, TurnAborts],
  exports: [SessionsRepository, TurnAborts],
})
export class SessionsModule {}
