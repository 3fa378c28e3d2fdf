import { Body, Controller, Headers, HttpCode, Post, Query } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentToken, Principal, RequireAccess } from '@app/auth';
import { ApiData, ApiProblems, arrayOf, badRequest, BODY_PROBLEMS } from '@app/common';
import { CreateJobsBatchDto } from './dto/create-jobs-batch.dto';
import { CreateJobQueryDto } from './dto/create-job.query';
import { MAX_BATCH_JOBS } from './job-insert.repository';
import { JobsBatchService } from './jobs-batch.service';
import { jobSchema } from './openapi/job.schemas';

@ApiTags('Jobs')
@Controller('services/agent-jobs/batch')
export class JobsBatchController {
  constructor(private readonly batches: JobsBatchService) {}

  @Post()
  @HttpCode(200)
  @RequireAccess('SERVICES', 'WRITE', { allowTaskToken: true })
  @ApiOperation({
    summary: 'Create up to 500 jobs',
    description: `1 to ${MAX_BATCH_JOBS} create bodies, each checked as POST /services/agent-jobs checks one; every valid one is created `
      + '(one statement, one queue round trip) and an invalid one does not stop the others: `data` has one result per item, in order, '
      + "with 201 and the job or the item's 4xx and its problem. `delay` applies to each item.",
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, schema: { type: 'string', minLength: 1, maxLength: 255 }, description: 'The same key with the same body within 24 h answers the first answer again, creating nothing' })
  @ApiData({ description: "One result per item, in the items' order", data: arrayOf(jobSchema('JobBatchItem')), meta: ['org_id', 'created', 'failed'] })
  @ApiProblems(...BODY_PROBLEMS, 'INVALID_IDEMPOTENCY_KEY', 'FORBIDDEN', 'IDEMPOTENCY_CONFLICT', 'IDEMPOTENCY_KEY_REUSED')
  async create(
    @CurrentToken() caller: Principal,
    @Body() body: CreateJobsBatchDto,
    @Query() query: CreateJobQueryDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ) {
    if (idempotencyKey !== undefined && (idempotencyKey.length < 1 || idempotencyKey.length > 255)) {
      throw badRequest('INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1 to 255 characters');
    }
    return this.batches.create(caller, { items: body.jobs, delayMinutes: query.delay, idempotencyKey });
  }
}
