import type { Logger } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { logFieldsOf, withLogContext } from '@app/common/logging';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Registers a Bull processor that counts the jobs it is running, so a shutdown can stop
 * taking new ones and let those in flight finish (instead of leaving them half done), and
 * runs each in a log context with the payload's ids.
 */
export class DrainingProcessor<T> {
  private inFlight = 0;

  constructor(
    private readonly queue: Queue<T>,
    private readonly logger: Logger,
  ) {}

  start(concurrency: number, handler: (job: Job<T>) => Promise<unknown>): void {
    void this.queue.process(concurrency, async (job) => {
      this.inFlight++;
      try {
        // Every line logged while the job runs names its org, job and task (those the payload has).
        return await withLogContext(logFieldsOf(job.data as object), () => handler(job));
      } finally {
        this.inFlight--;
      }
    });
    this.queue.on('error', (err) => this.logger.warn(`queue error: ${err.message}`));
  }

  /** Stops taking jobs in this process and waits up to graceMs for the running ones. */
  async drain(graceMs: number): Promise<void> {
    await this.queue.pause(true, true).catch(() => undefined);
    const until = Date.now() + graceMs;
    while (this.inFlight > 0 && Date.now() < until) await sleep(25);
  }
}
