import { Injectable } from '@nestjs/common';
import { Broadcasts } from './broadcasts';

const TOPIC = 'job-events';

/**
 * "Job events were written": a wakeup for the live streams of every API process, broadcast
 * on `<QUEUE_PREFIX>:job-events`. Carries no data: a stream reads the events from Postgres.
 * Best effort (a lost ping costs a stream at most its fallback poll) and coalesced: the
 * writers of one event-loop turn share one publish, and while one is in flight the next
 * waits for it, so an outage or a burst of statements never queues more than one.
 */
@Injectable()
export class EventsPing {
  private readonly local = new Set<() => void>();
  private scheduled = false;
  private inFlight = false;

  constructor(private readonly broadcasts: Broadcasts) {}

  /** Call after the statement that inserted job_events rows has committed. */
  written(): void {
    for (const listener of this.local) listener();
    if (this.scheduled) return;
    this.scheduled = true;
    if (!this.inFlight) setImmediate(() => this.flush());
  }

  /**
   * `listener` runs on every ping, from this process (at once) or another (over Redis), and
   * when the subscription is back after Redis was lost (pings may have been missed).
   */
  async onWritten(listener: () => void): Promise<void> {
    this.local.add(listener);
    await this.broadcasts.subscribe(TOPIC, { message: () => listener(), resync: () => listener() });
  }

  private flush(): void {
    this.scheduled = false;
    this.inFlight = true;
    // Never rejects: Broadcasts logs a failed publish and answers false.
    void this.broadcasts.publish(TOPIC, null).finally(() => {
      this.inFlight = false;
      if (this.scheduled) setImmediate(() => this.flush());
    });
  }
}
