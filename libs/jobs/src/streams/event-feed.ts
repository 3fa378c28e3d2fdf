import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig, PeriodicTask } from '@app/common';
import { EventsPing } from '@app/queue';
import { FeedWalk } from './feed-walk';
import { FeedEvent, StreamEventsRepository } from './stream-events.repository';

export interface FeedSubscriber {
  readonly orgId: string;
  /** A job stream: that job's events. Unset: an org stream, all the org's events. */
  readonly jobId?: string;
  deliver(event: FeedEvent): void;
}

/** Where a new subscriber's replay from Postgres ends and the feed takes over. */
export interface FeedPosition {
  /** Replay up to this id: the feed hands the subscriber every event above it. */
  upTo: number;
  /** Ids at or below upTo not committed when the feed passed them: replay skips them, the feed hands them out if they come. */
  pending: number[];
}

/** The fallback when a ping is lost (its writer died after the commit): within 1 s. */
const POLL_MS = 500;
/** While org streams wait for a hole, it is looked for this often. */
const HOLE_POLL_MS = 25;
const BATCH = 1000;
const START_WINDOW = 1000;
const HOLE_WATCH_MS = 5 * 60_000;
const MAX_HOLES = 10_000;

/**
 * The one reader of new job events in an API process, for all of its open streams: woken
 * by the events ping (Redis, any process) and polling every POLL_MS while a stream is
 * open; idle otherwise. Each read is one primary-key range scan from the high-water.
 */
@Injectable()
export class EventFeed implements OnApplicationShutdown {
  private readonly logger = new Logger(EventFeed.name);
  private readonly byJob = new Map<string, Set<FeedSubscriber>>();
  private readonly byOrg = new Map<string, Set<FeedSubscriber>>();
  /** Subscribers, and subscriptions waiting for the feed to start. */
  private users = 0;
  private run?: { ready: Promise<FeedWalk>; walk?: FeedWalk; loop?: PeriodicTask<boolean> };
  private pingWired = false;
  private lastWarning = 0;

  constructor(
    private readonly events: StreamEventsRepository,
    private readonly ping: EventsPing,
    private readonly config: AppConfig,
  ) {}

  /** From the returned position on, `sub` gets every new event of its job or org (it filters further itself). */
  async subscribe(sub: FeedSubscriber): Promise<FeedPosition> {
    this.users++;
    let walk: FeedWalk;
    try {
      walk = await this.start();
    } catch (err) {
      this.release();
      throw err;
    }
    // Synchronous from here: no read is applied between taking the position and joining.
    const key = sub.jobId ?? sub.orgId;
    const map = sub.jobId ? this.byJob : this.byOrg;
    if (!map.has(key)) map.set(key, new Set());
    map.get(key)!.add(sub);
    const upTo = sub.jobId ? walk.readUpTo : walk.orderedUpTo;
    return { upTo, pending: walk.holes.idsUpTo(upTo) };
  }

  unsubscribe(sub: FeedSubscriber): void {
    const key = sub.jobId ?? sub.orgId;
    const map = sub.jobId ? this.byJob : this.byOrg;
    const set = map.get(key);
    if (!set?.delete(sub)) return;
    if (!set.size) map.delete(key);
    this.release();
  }

  /** A read now (events were written). */
  wake(): void {
    this.run?.loop?.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.run?.loop?.stop();
  }

  private start(): Promise<FeedWalk> {
    if (this.run) return this.run.ready;
    if (!this.pingWired) {
      this.pingWired = true;
      // Not awaited: with Redis down, streams get events from the poll until it is back (ioredis subscribes then).
      this.ping.onWritten(() => this.wake()).catch((err: Error) => this.logger.warn(`events ping not subscribed, polling only: ${err.message}`));
    }
    const run: NonNullable<EventFeed['run']> = {
      ready: this.events.feedStart(START_WINDOW).then((start) => {
        const walk = new FeedWalk({ ...start, window: START_WINDOW }, {
          waitMs: this.config.STREAM_HOLE_WAIT_MS, watchMs: HOLE_WATCH_MS, max: MAX_HOLES,
        }, Date.now());
        run.walk = walk;
        if (this.run === run) {
          run.loop = new PeriodicTask({
            name: 'event feed',
            pass: () => this.pass(run, walk),
            intervalMs: () => (walk.waiting ? HOLE_POLL_MS : POLL_MS),
            runAgainAtOnce: (full) => full,
            logger: this.logger,
          });
          run.loop.start(POLL_MS);
        }
        return walk;
      }),
    };
    this.run = run;
    run.ready.catch(() => { if (this.run === run) this.run = undefined; });
    return run.ready;
  }

  private release(): void {
    if (--this.users > 0) return;
    const run = this.run;
    this.run = undefined;
    void run?.loop?.stop();
  }

  /** One read; true when it was a full batch (read again at once). */
  private async pass(run: NonNullable<EventFeed['run']>, walk: FeedWalk): Promise<boolean> {
    let read;
    try {
      read = await this.events.feedRead(walk.readUpTo, BATCH, walk.holes.ids(), walk.holes.snapshots());
    } catch (err) {
      // Postgres away: the streams stay open and catch up once it answers.
      if (Date.now() - this.lastWarning > 30_000) {
        this.lastWarning = Date.now();
        this.logger.warn(`live streams cannot read events: ${(err as Error).message}`);
      }
      return false;
    }
    if (this.run !== run) return false;
    const fresh = read.events.filter((e) => e.id > walk.readUpTo).length;
    const out = walk.apply(read, Date.now());
    for (const event of out.jobs) this.hand(this.byJob.get(event.jobId), event);
    for (const event of out.orgs) this.hand(this.byOrg.get(event.orgId), event);
    return fresh >= BATCH;
  }

  private hand(subs: Set<FeedSubscriber> | undefined, event: FeedEvent): void {
    if (!subs) return;
    for (const sub of [...subs]) {
      try {
        sub.deliver(event);
      } catch (err) {
        this.logger.warn(`a stream failed to take event ${event.id}: ${(err as Error).message}`);
      }
    }
  }
}
