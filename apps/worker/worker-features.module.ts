import { Module } from '@nestjs/common';
import { JobsModule } from '@app/jobs';
import { GracefulShutdown } from './graceful-shutdown';
import { ReconcilerLoop } from './reconciler.loop';
import { TaskProcessor } from './task.processor';

/** What makes a process a worker: the Bull processor, the reconciler, abort wiring. */
@Module({
  imports: [JobsModule],
  providers: [TaskProcessor, ReconcilerLoop, GracefulShutdown],
})
export class WorkerFeaturesModule {}
