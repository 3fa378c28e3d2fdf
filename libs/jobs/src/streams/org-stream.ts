import type { JobEventKind } from '../job-rows';
import { LiveStream } from './live-stream';
import type { SseResponse } from '@app/common';
import type { FeedEvent, StreamEventsRepository } from './stream-events.repository';

export interface OrgStreamFilters {
  jobTypeId?: string;
  channelCode?: string;
  kind?: JobEventKind;
}

/**
 * GET /services/events/stream: every event of the org's jobs that passes the filters, in id
 * order. Without a position it is live only; it never ends by itself.
 */
export class OrgStream extends LiveStream {
  readonly jobId = undefined;

  constructor(
    orgId: string, tokenId: string, sse: SseResponse, private readonly from: number | null, maxBufferBytes: number,
    private readonly filters: OrgStreamFilters, private readonly events: StreamEventsRepository,
  ) {
    // Live only: whatever the feed hands out from now on is new to the client.
    super(orgId, tokenId, sse, from ?? 0, maxBufferBytes);
  }

  protected matches(e: FeedEvent): boolean {
    const f = this.filters;
    return (f.jobTypeId === undefined || e.jobTypeId === f.jobTypeId)
      && (f.channelCode === undefined || e.channelCode === f.channelCode)
      && (f.kind === undefined || e.kind === f.kind);
  }

  protected replayFrom(feedUpTo: number): number {
    return this.from ?? feedUpTo;
  }

  protected replayPage(after: number, upTo: number, skip: number[], limit: number): Promise<FeedEvent[]> {
    return this.events.orgReplay(this.orgId, after, upTo, skip, limit);
  }
}
