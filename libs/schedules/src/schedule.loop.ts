import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig, PeriodicTask } from '@app/common';
import { MAX_FIRES_PER_PASS, ScheduleFiringService } from './schedule-firing.service';

/** Worker only: a firing pass every SCHEDULE_POLL_MS (at once again when a pass hit its cap), never two at once. */
@Injectable()
export class ScheduleLoop implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask<number>;

  constructor(firing: ScheduleFiringService, config: AppConfig) {
    this.task = new PeriodicTask({
      name: 'schedule pass',
      intervalMs: () => config.SCHEDULE_POLL_MS,
      pass: () => firing.pass(),
      runAgainAtOnce: (handled) => handled >= MAX_FIRES_PER_PASS,
      logger: new Logger(ScheduleLoop.name),
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  /** Before the database and queues close: the pass in flight finishes (or rolls back) first. */
  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }
}
