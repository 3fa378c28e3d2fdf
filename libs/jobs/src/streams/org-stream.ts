import type { JobEventKind } from '../job-rows';
import { LiveStream } from './live-stream';
import type { SseResponse } from '@app/common';
import type { FeedEvent, StreamEventsRepository } from './stream-events.repository';
import type { LATEST } from './stream.query';

export interface OrgStreamFilters {
  jobTypeId?: string;
  channelCode?: string;
  kind?: JobEventKind;
}

/**
 * GET /services/events/stream: every event of the org's jobs that passes the filters, in id
 * order. Like a job's stream it replays the events after the position (all of them without
 * one), then goes live; `latest` skips the replay. It never ends by itself.
 */
export class OrgStream extends LiveStream {
  readonly jobId = undefined;

  constructor(
    orgId: string, tokenId: string, sse: SseResponse, private readonly from: number | typeof LATEST | null, maxBufferBytes: number,
    private readonly filters: OrgStreamFilters, private readonly events: StreamEventsRepository,
  ) {
    super(orgId, tokenId, sse, typeof from === 'number' ? from : 0, maxBufferBytes);
  }

  protected matches(e: FeedEvent): boolean {
    const f = this.filters;
    return (f.jobTypeId === undefined || e.jobTypeId === f.jobTypeId)
      && (f.channelCode === undefined || e.channelCode === f.channelCode)
      && (f.kind === undefined || e.kind === f.kind);
  }

  protected replayFrom(feedUpTo: number): number {
    // latest: whatever the feed hands out from now on is new to the client.
    return this.from === 'latest' ? feedUpTo : this.from ?? 0;
  }

  protected replayPage(after: number, upTo: number, skip: number[], limit: number): Promise<FeedEvent[]> {
    return this.events.orgReplay(this.orgId, after, upTo, skip, limit);
  }
}
