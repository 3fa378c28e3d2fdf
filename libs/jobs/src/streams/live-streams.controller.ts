import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentToken, Principal, RequireAccess } from '@app/auth';
import { LiveStreamsService } from './live-streams.service';
import { JobStreamQueryDto, OrgStreamQueryDto, streamPosition } from './stream.query';

/** Server-sent events: a job's events, and all of the org's (docs/decisions.md "Live streams"). */
@Controller('services')
export class LiveStreamsController {
  constructor(private readonly streams: LiveStreamsService) {}

  @Get('agent-jobs/:id/stream')
  @RequireAccess('SERVICES', 'READ')
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
