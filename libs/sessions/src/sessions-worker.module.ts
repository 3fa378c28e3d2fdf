import { Module } from '@nestjs/common';
import { SessionMaintenance, SessionSweeperLoop, TurnReconcilerLoop } from './session-maintenance';
import { SessionsModule } from './sessions.module';

/** What a worker runs for sessions: the turn reconciler and the expired-session sweeper. */
@Module({ imports: [SessionsModule], providers: [SessionMaintenance, TurnReconcilerLoop, SessionSweeperLoop] })
export class SessionsWorkerModule {}
