import { Logger } from '@nestjs/common';
import { TERMINAL_STATUSES } from '../job-status';
import { LiveStream } from './live-stream';
import type { SseResponse } from '@app/common';
import type { FeedEvent, StreamEventsRepository } from './stream-events.repository';

const RECHECK_AFTER_ERROR_MS = 1000;
/** A terminal job with a post still open is looked at again this often, besides on each of its events. */
const RECHECK_PENDING_MS = 5000;
const logger = new Logger('JobStream');

/**
 * GET /services/agent-jobs/:id/stream: one job's events. It ends once the job is terminal,
 * no result post of it is open (the post's outcome is a `delivery` event) and every event
 * up to the last one has been sent.
 */
export class JobStream extends LiveStream {
  /** The job's last event id, once the job is over. */
  private lastEventId?: number;
  private checking = false;
  private checkAgain = false;
  private recheck?: NodeJS.Timeout;

  constructor(
    orgId: string, tokenId: string, readonly jobId: string, sse: SseResponse, clientPosition: number, maxBufferBytes: number,
    private readonly events: StreamEventsRepository,
  ) {
    super(orgId, tokenId, sse, clientPosition, maxBufferBytes);
  }

  protected matches(): boolean {
    return true;
  }

  protected replayFrom(): number {
    return this.clientPosition;
  }

  protected replayPage(after: number, upTo: number, skip: number[], limit: number): Promise<FeedEvent[]> {
    return this.events.jobReplay(this.orgId, this.jobId, after, upTo, skip, limit);
  }

  protected override joined(): Promise<void> {
    return this.checkOver();
  }

  protected override sent(event: FeedEvent): void {
    if (this.lastEventId !== undefined) {
      if (this.position >= this.lastEventId) this.end();
    } else if (event.kind === 'delivery' || TERMINAL_STATUSES.includes(event.to)) {
      void this.checkOver();
    }
  }

  /** Reads whether the job is over; ends the stream if so and the client has its last event. */
  private async checkOver(): Promise<void> {
    if (this.checking) {
      this.checkAgain = true;
      return;
    }
    this.checking = true;
    try {
      do {
        this.checkAgain = false;
        const state = await this.events.jobFinalState(this.orgId, this.jobId);
        if (!state) return this.end();
        if (state.terminal && !state.deliveryPending) {
          this.lastEventId = state.lastEventId;
          if (this.position >= state.lastEventId) this.end();
          return;
        }
        if (state.terminal) this.checkLater(RECHECK_PENDING_MS);
      } while (this.checkAgain && !this.closed);
    } catch (err) {
      logger.warn(`job ${this.jobId}: cannot tell whether its stream is over: ${(err as Error).message}`);
      this.checkLater(RECHECK_AFTER_ERROR_MS);
    } finally {
      this.checking = false;
    }
  }

  private checkLater(ms: number): void {
    if (this.recheck) return;
    this.recheck = setTimeout(() => {
      this.recheck = undefined;
      if (!this.closed) void this.checkOver();
    }, ms).unref();
  }
}
