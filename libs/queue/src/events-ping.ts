import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { RedisPubSub } from './redis-pubsub';

/**
 * "Job events were written": a wakeup for the live streams of every API process
 * (`<QUEUE_PREFIX>:job-events`). Carries no data: a stream reads the events from Postgres.
 * Best effort (a lost ping costs a stream at most its fallback poll) and coalesced: the
 * writers of one event-loop turn share one publish, and while one is in flight the next
 * waits for it, so an outage or a burst of statements never queues more than one.
 */
@Injectable()
export class EventsPing {
  private readonly logger = new Logger(EventsPing.name);
  private readonly channel: string;
  private readonly local = new Set<() => void>();
  private scheduled = false;
  private inFlight = false;
  private lastWarning = 0;

  constructor(config: AppConfig, private readonly pubsub: RedisPubSub) {
    this.channel = `${config.QUEUE_PREFIX}:job-events`;
  }

  /** Call after the statement that inserted job_events rows has committed. */
  written(): void {
    for (const listener of this.local) listener();
    if (this.scheduled) return;
    this.scheduled = true;
    if (!this.inFlight) setImmediate(() => this.flush());
  }

  /** `listener` runs on every ping, from this process (at once) or another (over Redis). */
  async onWritten(listener: () => void): Promise<void> {
    this.local.add(listener);
    await this.pubsub.subscribe(this.channel, () => listener());
  }

  private flush(): void {
    this.scheduled = false;
    this.inFlight = true;
    this.pubsub.publish(this.channel, '').catch((err: Error) => {
      if (Date.now() - this.lastWarning < 60_000) return;
      this.lastWarning = Date.now();
      this.logger.warn(`events ping not published (streams fall back to polling): ${err.message}`);
    }).finally(() => {
      this.inFlight = false;
      if (this.scheduled) setImmediate(() => this.flush());
    });
  }
}
