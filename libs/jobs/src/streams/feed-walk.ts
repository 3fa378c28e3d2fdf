import { FeedHoles, FeedHolesOptions } from './feed-holes';
import type { FeedEvent, FeedRead } from './stream-events.repository';

export interface FeedStart {
  snapshot: string;
  /** The highest event id when the feed started. */
  top: number;
  /** The ids present among the `window` ids up to `top`. */
  recent: number[];
  window: number;
}

/** What one read hands out: to job streams at once, to org streams in id order. */
export interface FeedOutput {
  jobs: FeedEvent[];
  orgs: FeedEvent[];
}

/**
 * The feed's walk up the event ids, without I/O. Job streams get each event as soon as it is
 * read: a job's events become visible in id order (every writer locks the job row first).
 * Org streams get them in id order: events above a hole wait for it until it fills, is
 * known to be a rollback, or STREAM_HOLE_WAIT_MS passes; a hole that fills later still
 * goes out, late.
 */
export class FeedWalk {
  /** Every event up to here was read, except the holes. */
  readUpTo: number;
  /** Org streams were handed every event up to here, except the holes at or below it. */
  orderedUpTo: number;
  readonly holes: FeedHoles;
  /** Read, above orderedUpTo, ascending: waiting for a hole below them. */
  private readonly held: FeedEvent[] = [];

  constructor(start: FeedStart, holes: FeedHolesOptions, now: number) {
    this.holes = new FeedHoles(holes);
    this.readUpTo = this.orderedUpTo = start.top;
    // Inserts in flight when the feed started may still commit: watch the ids missing below the top.
    const present = new Set(start.recent);
    for (let id = Math.max(1, start.top - start.window + 1); id < start.top; id++) {
      if (!present.has(id)) this.holes.open(id, id, start.snapshot, false, now);
    }
  }

  get waiting(): boolean {
    return this.holes.firstBlocking() !== undefined;
  }

  apply(read: FeedRead, now: number): FeedOutput {
    const out: FeedOutput = { jobs: [], orgs: [] };
    for (const event of read.events) {
      if (event.id <= this.readUpTo) {
        if (!this.holes.fill(event.id)) continue;
        out.jobs.push(event);
        if (event.id > this.orderedUpTo) this.hold(event);
        else out.orgs.push(event);
        continue;
      }
      if (event.id > this.readUpTo + 1) this.holes.open(this.readUpTo + 1, event.id - 1, read.snapshot, true, now);
      this.readUpTo = event.id;
      out.jobs.push(event);
      this.held.push(event);
    }
    this.holes.age(read.settled, now);
    const first = this.holes.firstBlocking();
    let released = 0;
    while (released < this.held.length && (first === undefined || this.held[released].id < first)) released++;
    out.orgs.push(...this.held.splice(0, released));
    this.orderedUpTo = first === undefined ? this.readUpTo : first - 1;
    return out;
  }

  private hold(event: FeedEvent): void {
    let i = this.held.length;
    while (i > 0 && this.held[i - 1].id > event.id) i--;
    this.held.splice(i, 0, event);
  }
}
