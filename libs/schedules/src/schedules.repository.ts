import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { OrgLookup, orgLookup } from '@app/database';
import type { ScheduleRow, ScheduleRunRow } from './schedule-row';

export interface NewSchedule {
  id: string;
  orgId: string;
  name: string | null;
  cron: string;
  timezone: string;
  job: Record<string, unknown>;
  enabled: boolean;
  nextRunAt: Date | null;
  createdBy: string;
}

export type ScheduleChanges = Pick<ScheduleRow, 'name' | 'cron' | 'timezone' | 'job' | 'enabled' | 'next_run_at'>;

/** SQL for the API side of schedules. Every statement names the org (the 403/404 lookup answers whose the schedule is). */
@Injectable()
export class SchedulesRepository {
  constructor(private readonly db: DataSource) {}

  async insert(s: NewSchedule): Promise<ScheduleRow> {
    const [row] = await this.db.query(
      `INSERT INTO schedules (id, org_id, name, cron, timezone, job, enabled, next_run_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
      [s.id, s.orgId, s.name, s.cron, s.timezone, JSON.stringify(s.job), s.enabled, s.nextRunAt, s.createdBy],
    );
    return row;
  }

  /** The schedule `id` as seen by `orgId`; `lock`: FOR UPDATE, in `em`'s transaction. */
  async lookup(orgId: string, id: string, em: EntityManager = this.db.manager, lock = false): Promise<OrgLookup<ScheduleRow>> {
    const [row] = await em.query(`SELECT * FROM schedules WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return orgLookup(orgId, row);
  }

  async list(orgId: string, limit: number, offset: number): Promise<{ rows: ScheduleRow[]; total: number }> {
    const [rows, [{ total }]] = await Promise.all([
      this.db.query(
        `SELECT * FROM schedules WHERE org_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`,
        [orgId, limit, offset],
      ),
      this.db.query(`SELECT count(*)::int AS total FROM schedules WHERE org_id = $1`, [orgId]),
    ]);
    return { rows, total };
  }

  async update(em: EntityManager, orgId: string, id: string, c: ScheduleChanges): Promise<ScheduleRow> {
    const [[row]] = await em.query(
      `UPDATE schedules SET name = $3, cron = $4, timezone = $5, job = $6, enabled = $7, next_run_at = $8, updated_at = now()
       WHERE id = $1 AND org_id = $2 RETURNING *`,
      [id, orgId, c.name, c.cron, c.timezone, JSON.stringify(c.job), c.enabled, c.next_run_at],
    );
    return row;
  }

  async delete(orgId: string, id: string): Promise<void> {
    await this.db.query(`DELETE FROM schedules WHERE id = $1 AND org_id = $2`, [id, orgId]);
  }

  /** Up to `limit` ids of the org's enabled schedules whose job uses the job type. */
  async enabledUsingJobType(orgId: string, jobTypeId: string, limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT id FROM schedules WHERE org_id = $1 AND enabled AND job->>'job_type_id' = $2 ORDER BY created_at, id LIMIT $3`,
      [orgId, jobTypeId, limit],
    );
    return rows.map((r) => r.id);
  }

  async runs(orgId: string, id: string, limit: number, offset: number): Promise<{ rows: ScheduleRunRow[]; total: number }> {
    // The join names the org: a schedule id alone never reads another org's runs.
    const [rows, [{ total }]] = await Promise.all([
      this.db.query(
        `SELECT r.* FROM schedule_runs r JOIN schedules s ON s.id = r.schedule_id
         WHERE r.schedule_id = $1 AND s.org_id = $2 ORDER BY r.fire_at DESC LIMIT $3 OFFSET $4`,
        [id, orgId, limit, offset],
      ),
      this.db.query(
        `SELECT count(*)::int AS total FROM schedule_runs r JOIN schedules s ON s.id = r.schedule_id
         WHERE r.schedule_id = $1 AND s.org_id = $2`,
        [id, orgId],
      ),
    ]);
    return { rows, total };
  }
}
