import type { Logger } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { logFieldsOf, withLogContext } from '@app/common/logging';
import { InFlightWork } from './in-flight-work';

/**
 * Registers a Bull processor that counts the jobs it is running, so a shutdown can stop
 * taking new ones and let those in flight finish (instead of leaving them half done), and
 * runs each in a log context with the payload's ids.
 */
export class DrainingProcessor<T> {
  private readonly inFlight = new InFlightWork();

  constructor(
    private readonly queue: Queue<T>,
    private readonly logger: Logger,
  ) {}

  start(concurrency: number, handler: (job: Job<T>) => Promise<unknown>): void {
    // Every line logged while the job runs names its org, job and task (those the payload has).
    void this.queue.process(concurrency, (job) => this.inFlight.run(() => withLogContext(logFieldsOf(job.data as object), () => handler(job))));
    this.queue.on('error', (err) => this.logger.warn(`queue error: ${err.message}`));
  }

  /** Stops taking jobs in this process and waits up to graceMs for the running ones. */
  async drain(graceMs: number): Promise<void> {
    await this.queue.pause(true, true).catch(() => undefined);
    await this.inFlight.settled(graceMs);
  }
}
