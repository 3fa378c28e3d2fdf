import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { CurrentToken, Principal, RequireAccess } from '@app/auth';
import { envelope } from '@app/common';
import { CreateJobTypeDto, UpdateJobTypeDto } from './job-type.dto';
import { jobTypeView } from './job-type.entity';
import { JobTypesService } from './job-types.service';

@Controller('services/job-types')
export class JobTypesController {
  constructor(private readonly jobTypes: JobTypesService) {}

  @Post()
  @RequireAccess('SERVICES', 'WRITE')
  async create(@CurrentToken() caller: Principal, @Body() body: CreateJobTypeDto) {
    const { type, signingSecret } = await this.jobTypes.create(caller.orgId, body);
    // The signing secret is shown once: agents use it to verify our Standard Webhooks signature.
    return envelope({ ...jobTypeView(type), signing_secret: signingSecret }, { org_id: caller.orgId, id: type.id });
  }

  @Get()
  @RequireAccess('SERVICES', 'READ')
  async list(@CurrentToken() caller: Principal) {
    const rows = await this.jobTypes.list(caller.orgId);
    return envelope(rows.map(jobTypeView), { org_id: caller.orgId, total: rows.length });
  }

  @Get(':id')
  @RequireAccess('SERVICES', 'READ')
  async get(@CurrentToken() caller: Principal, @Param('id') id: string) {
    return envelope(jobTypeView(await this.jobTypes.get(caller.orgId, id)), { org_id: caller.orgId, id });
  }

  @Patch(':id')
  @RequireAccess('SERVICES', 'WRITE')
  async update(@CurrentToken() caller: Principal, @Param('id') id: string, @Body() body: UpdateJobTypeDto) {
    return envelope(jobTypeView(await this.jobTypes.update(caller.orgId, id, body)), { org_id: caller.orgId, id });
  }

  /** The new secret is shown in this answer only; agent calls carry both signatures until previous_expires_at. */
  @Post(':id/signing-secret/rotate')
  @HttpCode(200)
  @RequireAccess('SERVICES', 'WRITE')
  async rotateSigningSecret(@CurrentToken() caller: Principal, @Param('id') id: string) {
    const rotated = await this.jobTypes.rotateSigningSecret(caller.orgId, id);
    return envelope({ signing_secret: rotated.signingSecret, previous_expires_at: rotated.previousExpiresAt.toISOString() }, { org_id: caller.orgId, id });
  }

  @Delete(':id')
  @HttpCode(200)
  @RequireAccess('SERVICES', 'WRITE')
  async remove(@CurrentToken() caller: Principal, @Param('id') id: string) {
    await this.jobTypes.remove(caller.orgId, id);
    return { meta: { org_id: caller.orgId, id }, message: `Job type with ID '${id}' successfully deleted` };
  }
}
