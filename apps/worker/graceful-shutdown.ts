import { InjectQueue } from '@nestjs/bull';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { AppConfig } from '@app/common';
import { InFlightTasks } from '@app/jobs';
import { AGENT_TASKS_QUEUE, JobAbortBus } from '@app/queue';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Wires cross-process aborts, and on SIGTERM stops taking tasks, lets running ones
 * finish for SHUTDOWN_GRACE_MS, then aborts the rest and hands them back (PENDING) so
 * another worker picks them up at once.
 */
@Injectable()
export class GracefulShutdown implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(GracefulShutdown.name);

  constructor(
    @InjectQueue(AGENT_TASKS_QUEUE) private readonly queue: Queue,
    private readonly inFlight: InFlightTasks,
    private readonly aborts: JobAbortBus,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.aborts.subscribe((jobId, reason) => this.inFlight.abort(jobId, reason === 'deadline' ? 'deadline' : 'canceled'));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.queue.pause(true, true).catch(() => undefined);
    const until = Date.now() + this.config.SHUTDOWN_GRACE_MS;
    while (this.inFlight.size > 0 && Date.now() < until) await sleep(50);
    if (this.inFlight.size > 0) {
      const ids = this.inFlight.abortAll('shutdown');
      this.logger.log(`handing back ${ids.length} running task(s)`);
      // An agent that ignores its abort signal may not hold the process forever.
      const hardStop = Date.now() + 5000;
      while (this.inFlight.size > 0 && Date.now() < hardStop) await sleep(20);
    }
  }
}
