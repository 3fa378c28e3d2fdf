import type { EventFeed, FeedSubscriber } from './event-feed';
import type { SseResponse } from '@app/common';
import type { FeedEvent } from './stream-events.repository';

const REPLAY_PAGE = 500;

/**
 * One client's stream: subscribe to the feed first (live events are buffered meanwhile),
 * replay from Postgres up to where the feed took over, then flush the buffer and go live.
 * The feed hands out exactly the events above its position plus the pending ids the
 * replay skips, so nothing is sent twice and nothing falls between the two.
 */
export abstract class LiveStream implements FeedSubscriber {
  abstract readonly jobId?: string;
  /** The highest event id the client has: its position, then each id sent. */
  protected position: number;
  private joining = true;
  private buffered: FeedEvent[] = [];
  private bufferedBytes = 0;

  protected constructor(
    readonly orgId: string,
    /** The token it was opened with: the stream ends when that token is revoked. */
    readonly tokenId: string,
    protected readonly sse: SseResponse,
    /** Last-Event-ID / ?after=: the client has every event up to it (0: none). */
    protected readonly clientPosition: number,
    private readonly maxBufferBytes: number,
  ) {
    this.position = clientPosition;
  }

  protected abstract matches(event: FeedEvent): boolean;
  /** Where the replay starts, given where the feed takes over. */
  protected abstract replayFrom(feedUpTo: number): number;
  /** Events with id in (after, upTo] except `skip`, ascending, at most `limit`: unfiltered, so a short page is the last. */
  protected abstract replayPage(after: number, upTo: number, skip: number[], limit: number): Promise<FeedEvent[]>;
  /** Once live. */
  protected joined(): Promise<void> | void {}
  /** After each live event sent. */
  protected sent(_event: FeedEvent): void {}

  get closed(): boolean {
    return this.sse.isClosed;
  }

  deliver(event: FeedEvent): void {
    if (this.sse.isClosed || event.id <= this.clientPosition || !this.matches(event)) return;
    if (this.joining) {
      this.buffered.push(event);
      this.bufferedBytes += event.frame.length;
      if (this.bufferedBytes > this.maxBufferBytes) this.sse.drop();
      return;
    }
    this.send(event);
  }

  /** Resolves once live (or closed). */
  async start(feed: EventFeed): Promise<void> {
    this.sse.onClose(() => feed.unsubscribe(this));
    const at = await feed.subscribe(this);
    if (this.sse.isClosed) return feed.unsubscribe(this);
    let cursor = this.replayFrom(at.upTo);
    while (cursor < at.upTo) {
      const page = await this.replayPage(cursor, at.upTo, at.pending, REPLAY_PAGE);
      for (const event of page) {
        if (this.matches(event) && !(await this.sse.writePaced(event.frame))) return;
        this.position = Math.max(this.position, event.id);
      }
      if (page.length < REPLAY_PAGE) break;
      cursor = page[page.length - 1].id;
    }
    if (this.sse.isClosed) return;
    this.joining = false;
    const buffered = this.buffered;
    this.buffered = [];
    this.bufferedBytes = 0;
    for (const event of buffered) this.send(event);
    await this.joined();
  }

  ping(): void {
    this.sse.ping();
  }

  end(): void {
    this.sse.end();
  }

  onClose(listener: () => void): void {
    this.sse.onClose(listener);
  }

  private send(event: FeedEvent): void {
    if (!this.sse.write(event.frame)) return;
    this.position = Math.max(this.position, event.id);
    this.sent(event);
  }
}
