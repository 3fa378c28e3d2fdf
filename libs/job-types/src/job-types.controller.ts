import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentToken, Principal, RequireAccess } from '@app/auth';
import { ApiData, ApiMessage, ApiProblems, arrayOf, BODY_PROBLEMS, envelope, ProblemCode } from '@app/common';
import { CreateJobTypeDto, UpdateJobTypeDto } from './job-type.dto';
import { jobTypeView } from './job-type.entity';
import { JobTypesService } from './job-types.service';
import { jobTypeSchema } from './openapi/job-type.schemas';

/** A definition's executor, schemas and config are checked, and every URL in it against the outbound rules. */
const DEFINITION_PROBLEMS: ProblemCode[] = [...BODY_PROBLEMS, 'OUTBOUND_URL_REFUSED'];

@ApiTags('Job types')
@Controller('services/job-types')
export class JobTypesController {
  constructor(private readonly jobTypes: JobTypesService) {}

  @Post()
  @RequireAccess('SERVICES', 'WRITE')
  @ApiOperation({ summary: 'Create a job type', description: 'The agent behind a kind of job (http, builtin or openai), its params and output schemas and default config' })
  @ApiData({ status: 201, description: 'The job type, with its signing secret (shown this once)', data: jobTypeSchema('JobTypeCreated'), meta: ['org_id', 'id'] })
  @ApiProblems(...DEFINITION_PROBLEMS, 'JOB_TYPE_EXISTS')
  async create(@CurrentToken() caller: Principal, @Body() body: CreateJobTypeDto) {
    const { type, signingSecret } = await this.jobTypes.create(caller.orgId, body);
    // The signing secret is shown once: agents use it to verify our Standard Webhooks signature.
    return envelope({ ...jobTypeView(type), signing_secret: signingSecret }, { org_id: caller.orgId, id: type.id });
  }

  @Get()
  @RequireAccess('SERVICES', 'READ')
  @ApiOperation({ summary: "List the org's job types", description: 'Newest first' })
  @ApiData({ description: 'The job types', data: arrayOf(jobTypeSchema('JobType')), meta: ['org_id', 'total'] })
  async list(@CurrentToken() caller: Principal) {
    const rows = await this.jobTypes.list(caller.orgId);
    return envelope(rows.map(jobTypeView), { org_id: caller.orgId, total: rows.length });
  }

  @Get(':id')
  @RequireAccess('SERVICES', 'READ')
  @ApiOperation({ summary: 'Get a job type' })
  @ApiData({ description: 'The job type', data: jobTypeSchema('JobType'), meta: ['org_id', 'id'] })
  @ApiProblems('JOB_TYPE_NOT_FOUND')
  async get(@CurrentToken() caller: Principal, @Param('id') id: string) {
    return envelope(jobTypeView(await this.jobTypes.get(caller.orgId, id)), { org_id: caller.orgId, id });
  }

  @Patch(':id')
  @RequireAccess('SERVICES', 'WRITE')
  @ApiOperation({ summary: 'Change a job type', description: 'Only the fields sent change' })
  @ApiData({ description: 'The job type', data: jobTypeSchema('JobType'), meta: ['org_id', 'id'] })
  @ApiProblems(...DEFINITION_PROBLEMS, 'JOB_TYPE_NOT_FOUND')
  async update(@CurrentToken() caller: Principal, @Param('id') id: string, @Body() body: UpdateJobTypeDto) {
    return envelope(jobTypeView(await this.jobTypes.update(caller.orgId, id, body)), { org_id: caller.orgId, id });
  }

  /** The new secret is shown in this answer only; agent calls carry both signatures until previous_expires_at. */
  @Post(':id/signing-secret/rotate')
  @HttpCode(200)
  @RequireAccess('SERVICES', 'WRITE')
  @ApiOperation({ summary: "Rotate a job type's signing secret" })
  @ApiData({ description: 'The new secret', data: jobTypeSchema('SigningSecretRotation'), meta: ['org_id', 'id'] })
  @ApiProblems('JOB_TYPE_NOT_FOUND')
  async rotateSigningSecret(@CurrentToken() caller: Principal, @Param('id') id: string) {
    const rotated = await this.jobTypes.rotateSigningSecret(caller.orgId, id);
    return envelope({ signing_secret: rotated.signingSecret, previous_expires_at: rotated.previousExpiresAt.toISOString() }, { org_id: caller.orgId, id });
  }

  @Delete(':id')
  @HttpCode(200)
  @RequireAccess('SERVICES', 'WRITE')
  @ApiOperation({ summary: 'Delete a job type', description: 'Refused while unfinished jobs or an enabled schedule use it' })
  @ApiMessage('Deleted', ['org_id', 'id'])
  @ApiProblems('JOB_TYPE_NOT_FOUND', 'JOB_TYPE_IN_USE')
  async remove(@CurrentToken() caller: Principal, @Param('id') id: string) {
    await this.jobTypes.remove(caller.orgId, id);
    return { meta: { org_id: caller.orgId, id }, message: `Job type with ID '${id}' successfully deleted` };
  }
}
