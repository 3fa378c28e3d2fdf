import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { actorOf, CurrentToken, Principal, RequireAccess } from '@app/auth';
import { ApiData, ApiMessage, ApiMeta, ApiProblems, arrayOf, badRequest, BODY_PROBLEMS, envelope, LIST_META, validationFailed } from '@app/common';
import { CancelJobDto } from './dto/cancel-job.dto';
import { ClearJobsQueryDto } from './dto/clear-jobs.query';
import { CreateJobDto } from './dto/create-job.dto';
import { CreateJobQueryDto } from './dto/create-job.query';
import { ListJobsQueryDto } from './dto/list-jobs.query';
import { JobCancelService } from './job-cancel.service';
import { firstTaskView, jobView } from './job-view';
import { JobsCreateService } from './jobs-create.service';
import { asJson, jsonEnvelope } from './json-envelope';
import { JobsQueryService } from './jobs-query.service';
import { JobRetentionService } from './retention/job-retention.service';
import { jobSchema } from './openapi/job.schemas';

const JOB_PROBLEMS = ['JOB_NOT_FOUND', 'FORBIDDEN'] as const;

@ApiTags('Jobs')
@Controller('services/agent-jobs')
export class JobsController {
  constructor(
    private readonly creator: JobsCreateService,
    private readonly queries: JobsQueryService,
    private readonly canceler: JobCancelService,
    private readonly retention: JobRetentionService,
  ) {}

  @Post()
  @RequireAccess('SERVICES', 'WRITE', { allowTaskToken: true })
  @ApiOperation({ summary: 'Create a job', description: 'Runs now, at scheduled_at, or after a random delay. An agent may create subjobs of its own job with its task callback token.' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, schema: { type: 'string', minLength: 1, maxLength: 255 }, description: 'The same key with the same body within 24 h answers the first job (200)' })
  @ApiData({ status: 201, description: 'The job, as created', data: jobSchema('Job'), meta: ['org_id', 'id'] })
  @ApiData({ status: 200, description: 'A replay of an Idempotency-Key: the job as it is now', data: jobSchema('Job'), meta: ['org_id', 'id'] })
  @ApiProblems(...BODY_PROBLEMS, 'INVALID_IDEMPOTENCY_KEY', 'OUTBOUND_URL_REFUSED', 'ORG_MISMATCH', 'FORBIDDEN', 'JOB_TYPE_NOT_FOUND',
    'PARENT_JOB_NOT_FOUND', 'PARENT_JOB_TERMINAL', 'IDEMPOTENCY_CONFLICT', 'IDEMPOTENCY_KEY_REUSED')
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
  @ApiOperation({ summary: "List the org's jobs", description: 'Filtered and sorted; paged by offset, or by cursor (meta.next_cursor) at scale' })
  @ApiData({ description: 'A page of jobs', data: arrayOf(jobSchema('Job')), meta: LIST_META })
  async list(
    @CurrentToken() caller: Principal,
    @Query() query: ListJobsQueryDto,
    @Res({ passthrough: true }) res: Response,
  ) {
    return asJson(res, await this.queries.list(caller.orgId, query));
  }

  @Delete()
  @HttpCode(200)
  @RequireAccess('SERVICES', 'ADMIN')
  @ApiOperation({
    summary: 'Clear finished jobs now',
    description: "Deletes the org's finished root jobs with one of the given statuses that match the list filters, each with its "
      + 'subjobs (whatever their status), tasks, events, deliveries and posts, in small batches. Filters select root jobs: a subjob '
      + 'goes only with its root. A tree with a job not finished yet is kept. meta.deleted counts every job deleted, subjobs included.',
  })
  @ApiMeta('How many jobs were deleted (subjobs included)', ['org_id', 'deleted'])
  @ApiProblems('VALIDATION_ERROR')
  async clear(@CurrentToken() caller: Principal, @Query() query: ClearJobsQueryDto) {
    if (!query.status) throw validationFailed([{ field: 'status', message: 'is required: one or more of COMPLETED, FAILED, CANCELED' }], 'Invalid list filters');
    const { status, ...filters } = query;
    const deleted = await this.retention.clear(caller.orgId, status, filters);
    return { meta: { org_id: caller.orgId, deleted } };
  }

  @Get(':id')
  @RequireAccess('SERVICES', 'READ')
  @ApiOperation({ summary: 'Get a job with its tasks' })
  @ApiData({ description: 'The job', data: jobSchema('Job'), meta: ['org_id', 'id'] })
  @ApiProblems(...JOB_PROBLEMS)
  async get(@CurrentToken() caller: Principal, @Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    return asJson(res, jsonEnvelope(await this.queries.getJson(caller.orgId, id), { org_id: caller.orgId, id }));
  }

  @Get(':id/events')
  @RequireAccess('SERVICES', 'READ')
  @ApiOperation({ summary: "A job's event history", description: 'Every transition and delivery outcome, oldest first' })
  @ApiData({ description: 'The events', data: arrayOf(jobSchema('JobEvent')), meta: ['org_id', 'job_id', 'total'] })
  @ApiProblems(...JOB_PROBLEMS)
  async events(@CurrentToken() caller: Principal, @Param('id') id: string) {
    const events = await this.queries.events(caller.orgId, id);
    return envelope(events, { org_id: caller.orgId, job_id: id, total: events.length });
  }

  @Delete(':id')
  @HttpCode(200)
  @RequireAccess('SERVICES', 'WRITE')
  @ApiOperation({ summary: 'Cancel a job', description: 'A SCHEDULED or WAITING job never reaches its agent; a RUNNING one has its agent call aborted. The body (a reason) is optional.' })
  @ApiBody({ type: CancelJobDto, required: false })
  @ApiMessage('Canceled', ['org_id', 'job_id'])
  @ApiProblems(...BODY_PROBLEMS, ...JOB_PROBLEMS, 'JOB_ALREADY_TERMINAL')
  async cancel(@CurrentToken() caller: Principal, @Param('id') id: string, @Body() body: CancelJobDto) {
    await this.canceler.cancel(caller.orgId, id, body?.reason ?? null, actorOf(caller));
    return { meta: { org_id: caller.orgId, job_id: id }, message: `Job with ID '${id}' successfully canceled` };
  }
}
