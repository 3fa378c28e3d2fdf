import { Module } from '@nestjs/common';
import { AuthModule } from '@app/auth';
import { SignedCursors } from '@app/common';
import { MetricsModule } from '@app/common/metrics';
import { JobTypesModule } from '@app/job-types';
import { ChatService } from './chat.service';
import { InFlightTurns } from './in-flight-turns';
import { SessionsController } from './sessions.controller';
import { SessionsModule } from './sessions.module';
import { SessionsService } from './sessions.service';
import { TurnRunner } from './turn-runner';

/** The session routes; turns run in the API process that took the chat request. */
@Module({
  imports: [AuthModule, SessionsModule, JobTypesModule, MetricsModule],
  controllers: [SessionsController],
  providers: [ChatService, TurnRunner, InFlightTurns, SessionsService, SignedCursors],
})
export class SessionsHttpModule {}
