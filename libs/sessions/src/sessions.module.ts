import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SESSION_ENTITIES } from './session.entities';
import { SessionJobs } from './session-jobs.service';
import { SessionsRepository } from './sessions.repository';
import { TurnAborts } from './turn-aborts';

/** Sessions, turns and messages: the tables (this library alone writes them), the turn-abort topic, and what jobs in a session need. */
@Module({
  imports: [TypeOrmModule.forFeature(SESSION_ENTITIES)],
  providers: [SessionsRepository, TurnAborts, SessionJobs],
  exports: [SessionsRepository, TurnAborts, SessionJobs],
})
export class SessionsModule {}
