import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { actorOf, Principal } from '@app/auth';
import { badRequest, FieldError, newId } from '@app/common';
import { OrgLookup, ownedOrThrow } from '@app/database';
import type { CreateJobDto } from '@app/jobs';
import { cronProblem, nextFireAfter, normalizeCron, timezoneProblem } from './cron-schedule';
import { CreateScheduleDto, UpdateScheduleDto } from './dto/schedule.dto';
import { ScheduleJobValidator } from './schedule-job.validator';
import type { ScheduleRow, ScheduleRunRow } from './schedule-row';
import { ScheduleChanges, SchedulesRepository } from './schedules.repository';

/** Schedules' rules for the API: validation, next_run_at on every write, ownership. */
@Injectable()
export class SchedulesService {
  constructor(
    private readonly db: DataSource,
    private readonly repo: SchedulesRepository,
    private readonly jobCheck: ScheduleJobValidator,
  ) {}

  async create(caller: Principal, dto: CreateScheduleDto): Promise<ScheduleRow> {
    await this.validate(caller.orgId, dto);
    const cron = normalizeCron(dto.cron);
    const enabled = dto.enabled ?? true;
    return this.repo.insert({
      id: newId('sch'),
      orgId: caller.orgId,
      name: dto.name ?? null,
      cron,
      timezone: dto.timezone,
      job: dto.job,
      enabled,
      nextRunAt: enabled ? nextFireAfter(cron, dto.timezone, new Date()) : null,
      createdBy: actorOf(caller),
    });
  }

  list(orgId: string, limit: number, offset: number) {
    return this.repo.list(orgId, limit, offset);
  }

  /** 404 when unknown, 403 when it belongs to another org (the spec's rule for every record). */
  async get(orgId: string, id: string): Promise<ScheduleRow> {
    return owned(id, await this.repo.lookup(orgId, id));
  }

  /**
   * Changing cron or timezone, or resuming (enabled false -> true), recomputes next_run_at from
   * now: a resumed schedule never fires for the time it was paused. Pausing clears next_run_at.
   */
  async update(orgId: string, id: string, dto: UpdateScheduleDto): Promise<ScheduleRow> {
    await this.get(orgId, id);
    await this.validate(orgId, dto);
    // Locked: a worker firing this schedule right now finishes first, and its advance is not lost.
    return this.db.transaction(async (em) => {
      const current = owned(id, await this.repo.lookup(orgId, id, em, true));
      const next: ScheduleChanges = {
        name: dto.name !== undefined ? dto.name : current.name,
        cron: dto.cron !== undefined ? normalizeCron(dto.cron) : current.cron,
        timezone: dto.timezone ?? current.timezone,
        job: dto.job ?? current.job,
        enabled: dto.enabled ?? current.enabled,
        next_run_at: current.next_run_at,
      };
      const timingChanged = next.cron !== current.cron || next.timezone !== current.timezone;
      if (!next.enabled) next.next_run_at = null;
      else if (!current.enabled || timingChanged || !current.next_run_at) {
        next.next_run_at = nextFireAfter(next.cron, next.timezone, new Date());
      }
      return this.repo.update(em, orgId, id, next);
    });
  }

  async remove(orgId: string, id: string): Promise<void> {
    await this.get(orgId, id);
    await this.repo.delete(orgId, id);
  }

  async runs(orgId: string, id: string, limit: number, offset: number): Promise<{ rows: ScheduleRunRow[]; total: number }> {
    await this.get(orgId, id);
    return this.repo.runs(orgId, id, limit, offset);
  }

  /**
   * Every field error of the body at once (cron, timezone, the job's shape); the code names the
   * first kind of problem: INVALID_CRON, then INVALID_TIMEZONE, then VALIDATION_ERROR. Then the
   * checks that need the org's data (job type, params, config, URLs).
   */
  private async validate(orgId: string, dto: Partial<CreateScheduleDto>): Promise<void> {
    const errors: FieldError[] = [];
    const cronError = dto.cron !== undefined ? cronProblem(dto.cron) : null;
    if (cronError) errors.push({ field: 'cron', message: cronError });
    const tzError = dto.timezone !== undefined ? timezoneProblem(dto.timezone) : null;
    if (tzError) errors.push({ field: 'timezone', message: tzError });
    if (dto.job !== undefined) errors.push(...(await this.jobCheck.shapeErrors(dto.job)));
    if (cronError) throw badRequest('INVALID_CRON', `Invalid cron expression: ${cronError}`, errors);
    if (tzError) throw badRequest('INVALID_TIMEZONE', `Invalid time zone: ${tzError}`, errors);
    if (errors.length) throw badRequest('VALIDATION_ERROR', 'The request has invalid fields', errors);
    if (dto.job !== undefined) await this.jobCheck.checkForOrg(orgId, dto.job as unknown as CreateJobDto);
  }
}

const owned = (id: string, found: OrgLookup<ScheduleRow>) => ownedOrThrow(found, 'SCHEDULE_NOT_FOUND', `Schedule '${id}'`);
