import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { actorOf, CurrentToken, Principal, RequireAccess } from '@app/auth';
import { badRequest, envelope } from '@app/common';
import { CancelJobDto } from './dto/cancel-job.dto';
import { CreateJobDto } from './dto/create-job.dto';
import { CreateJobQueryDto } from './dto/create-job.query';
import { ListJobsQueryDto } from './dto/list-jobs.query';
import { JobCancelService } from './job-cancel.service';
import { firstTaskView, jobView } from './job-view';
import { JobsCreateService } from './jobs-create.service';
import { asJson, jsonEnvelope } from './json-envelope';
import { JobsQueryService } from './jobs-query.service';

@Controller('services/agent-jobs')
export class JobsController {
  constructor(
    private readonly creator: JobsCreateService,
    private readonly queries: JobsQueryService,
    private readonly canceler: JobCancelService,
  ) {}

  @Post()
  @RequireAccess('SERVICES', 'WRITE', { allowTaskToken: true })
  async create(
    @CurrentToken() caller: Principal,
    @Body() body: CreateJobDto,
    @Query() query: CreateJobQueryDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    if (idempotencyKey !== undefined && (idempotencyKey.length < 1 || idempotencyKey.length > 255)) {
      throw badRequest('INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1 to 255 characters');
    }
    const created = await this.creator.create(caller, { body, delayMinutes: query.delay, idempotencyKey });
    const meta = { org_id: caller.orgId, id: created.job.id };
    // A replay answers 200 with the job as it is now; a new job is 201 with the job as created.
    if (created.replayed) {
      res.status(200);
      return asJson(res, jsonEnvelope(await this.queries.getJson(caller.orgId, created.job.id), meta));
    }
    const view = jobView(created.job, [], []);
    view.tasks = [firstTaskView(created.job, created.taskId!)];
    res.status(201);
    return envelope(view, meta);
  }

  @Get()
  @RequireAccess('SERVICES', 'READ')
  async list(
    @CurrentToken() caller: Principal,
    @Query() query: ListJobsQueryDto,
    @Res({ passthrough: true }) res: Response,
  ) {
    return asJson(res, await this.queries.list(caller.orgId, query));
  }

  @Get(':id')
  @RequireAccess('SERVICES', 'READ')
  async get(@CurrentToken() caller: Principal, @Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    return asJson(res, jsonEnvelope(await this.queries.getJson(caller.orgId, id), { org_id: caller.orgId, id }));
  }

  @Get(':id/events')
  @RequireAccess('SERVICES', 'READ')
  async events(@CurrentToken() caller: Principal, @Param('id') id: string) {
    const events = await this.queries.events(caller.orgId, id);
    return envelope(events, { org_id: caller.orgId, job_id: id, total: events.length });
  }

  @Delete(':id')
  @HttpCode(200)
  @RequireAccess('SERVICES', 'WRITE')
  async cancel(@CurrentToken() caller: Principal, @Param('id') id: string, @Body() body: CancelJobDto) {
    await this.canceler.cancel(caller.orgId, id, body?.reason ?? null, actorOf(caller));
    return { meta: { org_id: caller.orgId, job_id: id }, message: `Job with ID '${id}' successfully canceled` };
  }
}
