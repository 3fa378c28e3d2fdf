import { Module } from '@nestjs/common';
import { ChannelsWorkerModule } from '@app/channels';
import { JobsModule, WorkerHeartbeat } from '@app/jobs';
import { ObserversWorkerModule } from '@app/observers';
import { SchedulesWorkerModule } from '@app/schedules';
import { SessionsWorkerModule } from '@app/sessions';
import { GracefulShutdown } from './graceful-shutdown';
import { ReconcilerLoop } from './reconciler.loop';
import { RetentionLoop } from './retention.loop';
import { TaskProcessor } from './task.processor';

/** What makes a process a worker: its heartbeat, the Bull processor, the reconcilers, retention, the session sweeper, abort wiring. */
@Module({
  imports: [JobsModule, ChannelsWorkerModule, ObserversWorkerModule, SchedulesWorkerModule, SessionsWorkerModule],
  providers: [WorkerHeartbeat, TaskProcessor, ReconcilerLoop, RetentionLoop, GracefulShutdown],
})
export class WorkerFeaturesModule {}
