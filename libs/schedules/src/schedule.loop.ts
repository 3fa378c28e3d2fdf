import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { MAX_FIRES_PER_PASS, ScheduleFiringService } from './schedule-firing.service';

/** Worker only: a firing pass every SCHEDULE_POLL_MS (at once again when a pass hit its cap), never two at once. */
@Injectable()
export class ScheduleLoop implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ScheduleLoop.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(private readonly firing: ScheduleFiringService, private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.firing.pass()
        .then((handled) => (handled >= MAX_FIRES_PER_PASS ? 0 : this.config.SCHEDULE_POLL_MS))
        .catch((err) => {
          this.logger.warn(`schedule pass failed: ${(err as Error).message}`);
          return this.config.SCHEDULE_POLL_MS;
        })
        .then((next) => this.schedule(next));
    }, delay);
  }

  /** Before the database and queues close: the pass in flight finishes (or rolls back) first. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
