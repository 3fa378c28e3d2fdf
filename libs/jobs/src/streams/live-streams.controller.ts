import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentToken, Principal, RequireAccess } from '@app/auth';
import { ApiEventStream, ApiProblems } from '@app/common';
import { JOB_EVENT_STREAM } from '../openapi/job.schemas';
import { LiveStreamsService } from './live-streams.service';
import { JobStreamQueryDto, OrgStreamQueryDto, streamPosition } from './stream.query';

const LAST_EVENT_ID = { name: 'Last-Event-ID', required: false, schema: { type: 'integer', minimum: 0 }, description: 'Resume after this event id (what EventSource sends when it reconnects); wins over `after`' } as const;
const EVENTS = 'text/event-stream: each message has `id:` the event id, `event:` its kind and `data:` the event as in GET /services/agent-jobs/{id}/events; a `: ping` comment at least every 15 s. Replays the events after the position, then sends new ones, with no gap and no duplicate.';

/** Server-sent events: a job's events, and all of the org's (docs/decisions.md "Live streams"). */
@ApiTags('Streams')
@Controller('services')
export class LiveStreamsController {
  constructor(private readonly streams: LiveStreamsService) {}

  @Get('agent-jobs/:id/stream')
  @RequireAccess('SERVICES', 'READ')
  @ApiOperation({ summary: "A job's events, live", description: 'Ends once the job is terminal and its delivery outcome (if any) was sent.' })
  @ApiHeader(LAST_EVENT_ID)
  @ApiEventStream(EVENTS, JOB_EVENT_STREAM)
  @ApiProblems('JOB_NOT_FOUND', 'FORBIDDEN')
  async job(
    @CurrentToken() caller: Principal,
    @Param('id') id: string,
    @Query() query: JobStreamQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    await this.streams.job(caller, id, streamPosition(query.after, lastEventId), res);
  }

  @Get('events/stream')
  @RequireAccess('SERVICES', 'READ')
  @ApiOperation({ summary: "All of the org's job events, live", description: 'Filtered by job type, channel or kind; never ends by itself.' })
  @ApiHeader(LAST_EVENT_ID)
  @ApiEventStream(EVENTS, JOB_EVENT_STREAM)
  async org(
    @CurrentToken() caller: Principal,
    @Query() query: OrgStreamQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const filters = { jobTypeId: query.job_type_id, channelCode: query.channel_code, kind: query.kind };
    await this.streams.org(caller, filters, streamPosition(query.after, lastEventId), res);
  }
}
