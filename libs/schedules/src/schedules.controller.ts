import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { CurrentToken, Principal, RequireAccess } from '@app/auth';
import { envelope, PageQueryDto } from '@app/common';
import { CreateScheduleDto, UpdateScheduleDto } from './dto/schedule.dto';
import { scheduleRunView, scheduleView } from './schedule-row';
import { SchedulesService } from './schedules.service';

/** Recurring jobs: a cron expression in a time zone, and the create-job body each fire uses. */
@Controller('services/schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Post()
  @RequireAccess('SERVICES', 'WRITE')
  async create(@CurrentToken() caller: Principal, @Body() body: CreateScheduleDto) {
    const created = await this.schedules.create(caller, body);
    return envelope(scheduleView(created), { org_id: caller.orgId, id: created.id });
  }

  @Get()
  @RequireAccess('SERVICES', 'READ')
  async list(@CurrentToken() caller: Principal, @Query() { limit, offset }: PageQueryDto) {
    const { rows, total } = await this.schedules.list(caller.orgId, limit, offset);
    return envelope(rows.map(scheduleView), { org_id: caller.orgId, limit, offset, total });
  }

  @Get(':id')
  @RequireAccess('SERVICES', 'READ')
  async get(@CurrentToken() caller: Principal, @Param('id') id: string) {
    return envelope(scheduleView(await this.schedules.get(caller.orgId, id)), { org_id: caller.orgId, id });
  }

  /** Fire history, newest first: each fire time taken, its job or why none was created. */
  @Get(':id/runs')
  @RequireAccess('SERVICES', 'READ')
  async runs(@CurrentToken() caller: Principal, @Param('id') id: string, @Query() { limit, offset }: PageQueryDto) {
    const { rows, total } = await this.schedules.runs(caller.orgId, id, limit, offset);
    return envelope(rows.map(scheduleRunView), { org_id: caller.orgId, schedule_id: id, limit, offset, total });
  }

  @Patch(':id')
  @RequireAccess('SERVICES', 'WRITE')
  async update(@CurrentToken() caller: Principal, @Param('id') id: string, @Body() body: UpdateScheduleDto) {
    return envelope(scheduleView(await this.schedules.update(caller.orgId, id, body)), { org_id: caller.orgId, id });
  }

  @Delete(':id')
  @HttpCode(200)
  @RequireAccess('SERVICES', 'WRITE')
  async remove(@CurrentToken() caller: Principal, @Param('id') id: string) {
    await this.schedules.remove(caller.orgId, id);
    return { meta: { org_id: caller.orgId, id }, message: `Schedule with ID '${id}' successfully deleted` };
  }
}
