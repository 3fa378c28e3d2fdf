import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentToken, Principal, RequireAccess } from '@app/auth';
import { ApiData, ApiMessage, ApiProblems, arrayOf, BODY_PROBLEMS, envelope, PAGE_META, PageQueryDto, ProblemCode } from '@app/common';
import { CreateScheduleDto, UpdateScheduleDto } from './dto/schedule.dto';
import { scheduleRunView, scheduleView } from './schedule-row';
import { SchedulesService } from './schedules.service';
import { scheduleSchema } from './openapi/schedule.schemas';

const SCHEDULE_PROBLEMS: ProblemCode[] = ['SCHEDULE_NOT_FOUND', 'FORBIDDEN'];
/** A schedule's `job` is checked as a create-job body is. */
const WRITE_PROBLEMS: ProblemCode[] = [...BODY_PROBLEMS, 'INVALID_CRON', 'INVALID_TIMEZONE', 'OUTBOUND_URL_REFUSED', 'ORG_MISMATCH', 'JOB_TYPE_NOT_FOUND'];

/** Recurring jobs: a cron expression in a time zone, and the create-job body each fire uses. */
@ApiTags('Schedules')
@Controller('services/schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Post()
  @RequireAccess('SERVICES', 'WRITE')
  @ApiOperation({ summary: 'Create a schedule', description: 'Each fire time of the cron expression (in the time zone) creates a job from `job`' })
  @ApiData({ status: 201, description: 'The schedule', data: scheduleSchema('Schedule'), meta: ['org_id', 'id'] })
  @ApiProblems(...WRITE_PROBLEMS)
  async create(@CurrentToken() caller: Principal, @Body() body: CreateScheduleDto) {
    const created = await this.schedules.create(caller, body);
    return envelope(scheduleView(created), { org_id: caller.orgId, id: created.id });
  }

  @Get()
  @RequireAccess('SERVICES', 'READ')
  @ApiOperation({ summary: "List the org's schedules" })
  @ApiData({ description: 'A page of schedules', data: arrayOf(scheduleSchema('Schedule')), meta: PAGE_META })
  async list(@CurrentToken() caller: Principal, @Query() { limit, offset }: PageQueryDto) {
    const { rows, total } = await this.schedules.list(caller.orgId, limit, offset);
    return envelope(rows.map(scheduleView), { org_id: caller.orgId, limit, offset, total });
  }

  @Get(':id')
  @RequireAccess('SERVICES', 'READ')
  @ApiOperation({ summary: 'Get a schedule' })
  @ApiData({ description: 'The schedule', data: scheduleSchema('Schedule'), meta: ['org_id', 'id'] })
  @ApiProblems(...SCHEDULE_PROBLEMS)
  async get(@CurrentToken() caller: Principal, @Param('id') id: string) {
    return envelope(scheduleView(await this.schedules.get(caller.orgId, id)), { org_id: caller.orgId, id });
  }

  /** Fire history, newest first: each fire time taken, its job or why none was created. */
  @Get(':id/runs')
  @RequireAccess('SERVICES', 'READ')
  @ApiOperation({ summary: "A schedule's fire history", description: 'Newest first: each fire time taken, its job or why none was created' })
  @ApiData({ description: 'A page of runs', data: arrayOf(scheduleSchema('ScheduleRun')), meta: [...PAGE_META, 'schedule_id'] })
  @ApiProblems(...SCHEDULE_PROBLEMS)
  async runs(@CurrentToken() caller: Principal, @Param('id') id: string, @Query() { limit, offset }: PageQueryDto) {
    const { rows, total } = await this.schedules.runs(caller.orgId, id, limit, offset);
    return envelope(rows.map(scheduleRunView), { org_id: caller.orgId, schedule_id: id, limit, offset, total });
  }

  @Patch(':id')
  @RequireAccess('SERVICES', 'WRITE')
  @ApiOperation({ summary: 'Change, pause or resume a schedule', description: 'A new cron or time zone, or a resume, computes next_run_at from now: a resumed schedule does not fire for the time it was paused' })
  @ApiData({ description: 'The schedule', data: scheduleSchema('Schedule'), meta: ['org_id', 'id'] })
  @ApiProblems(...WRITE_PROBLEMS, ...SCHEDULE_PROBLEMS)
  async update(@CurrentToken() caller: Principal, @Param('id') id: string, @Body() body: UpdateScheduleDto) {
    return envelope(scheduleView(await this.schedules.update(caller.orgId, id, body)), { org_id: caller.orgId, id });
  }

  @Delete(':id')
  @HttpCode(200)
  @RequireAccess('SERVICES', 'WRITE')
  @ApiOperation({ summary: 'Delete a schedule', description: 'Jobs it created stay' })
  @ApiMessage('Deleted', ['org_id', 'id'])
  @ApiProblems(...SCHEDULE_PROBLEMS)
  async remove(@CurrentToken() caller: Principal, @Param('id') id: string) {
    await this.schedules.remove(caller.orgId, id);
    return { meta: { org_id: caller.orgId, id }, message: `Schedule with ID '${id}' successfully deleted` };
  }
}
