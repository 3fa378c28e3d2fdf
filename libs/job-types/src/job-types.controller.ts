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
    const created = await this.jobTypes.create(caller.orgId, body);
    // The signing secret is shown once: agents use it to verify our Standard Webhooks signature.
    return envelope({ ...jobTypeView(created), signing_secret: created.signing_secret }, { org_id: caller.orgId, id: created.id });
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

  @Delete(':id')
  @HttpCode(200)
  @RequireAccess('SERVICES', 'WRITE')
  async remove(@CurrentToken() caller: Principal, @Param('id') id: string) {
    await this.jobTypes.remove(caller.orgId, id);
    return { meta: { org_id: caller.orgId, id }, message: `Job type with ID '${id}' successfully deleted` };
  }
}
