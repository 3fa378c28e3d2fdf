import { Injectable, Logger } from '@nestjs/common';
import type { Response } from 'express';
import type { Principal } from '@app/auth';
import { AppConfig, SseResponse } from '@app/common';
import { JobsQueryService } from '../jobs-query.service';
import { EventFeed } from './event-feed';
import { JobStream } from './job-stream';
import type { LiveStream } from './live-stream';
import { OpenStreams } from './open-streams';
import { OrgStream, OrgStreamFilters } from './org-stream';
import { StreamEventsRepository } from './stream-events.repository';
import type { LATEST } from './stream.query';

/** Opens the live streams: every refusal (401, 403, 404, 400) is answered before the first byte of the stream. */
@Injectable()
export class LiveStreamsService {
  private readonly logger = new Logger(LiveStreamsService.name);

  constructor(
    private readonly feed: EventFeed,
    private readonly events: StreamEventsRepository,
    private readonly open: OpenStreams,
    private readonly jobs: JobsQueryService,
    private readonly config: AppConfig,
  ) {}

  async job(caller: Principal, jobId: string, position: number | null, res: Response): Promise<void> {
    await this.jobs.getOwned(caller.orgId, jobId);
    const sse = new SseResponse(res, this.config.STREAM_MAX_BUFFER_BYTES);
    await this.run(new JobStream(caller.orgId, caller.tokenId, jobId, sse, position ?? 0, this.config.STREAM_MAX_BUFFER_BYTES, this.events), sse);
  }

  async org(caller: Principal, filters: OrgStreamFilters, position: number | typeof LATEST | null, res: Response): Promise<void> {
    const sse = new SseResponse(res, this.config.STREAM_MAX_BUFFER_BYTES);
    await this.run(new OrgStream(caller.orgId, caller.tokenId, sse, position, this.config.STREAM_MAX_BUFFER_BYTES, filters, this.events), sse);
  }

  private async run(stream: LiveStream, sse: SseResponse): Promise<void> {
    sse.open();
    this.open.add(stream);
    try {
      await stream.start(this.feed);
    } catch (err) {
      // The headers are out: end it; the client resumes from its last event id.
      this.logger.warn(`stream of org ${stream.orgId} ended early: ${(err as Error).message}`);
      sse.end();
    }
  }
}
