import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { FirePlan } from './fire-plan';
import type { ScheduleRow } from './schedule-row';

/** A claimed schedule: enabled, with a next_run_at within the lookahead. */
export type DueSchedule = ScheduleRow & { next_run_at: Date };

/** One fire time taken for a schedule, whose job is still to be created. */
export interface Fire {
  schedule: ScheduleRow;
  fireAt: Date;
  catchUp: boolean;
}

export interface RunError {
  code: string;
  message: string;
  errors?: unknown;
}

/** Thrown inside the job's transaction when the schedule was deleted or paused after the fire was taken: nothing is stored. */
export class FireAbandoned extends Error {
  constructor() {
    super('the schedule was deleted or paused before the job of this fire was stored');
  }
}

/**
 * SQL of the firing side. A fire goes through three short steps, none holding a lock while the
 * job is validated (DNS of webhook URLs) and queued:
 * 1. take: the schedule row locked FOR UPDATE SKIP LOCKED, its run row inserted (pending, with
 *    retry_at), next_run_at advanced, committed;
 * 2. the job is created, and in the job's own transaction `recordJob` updates the schedule
 *    row (so it waits for, or makes wait, a PATCH or DELETE) and refuses when the schedule is
 *    gone or paused: a DELETE either commits first (no job) or waits for the job;
 * 3. otherwise `record` stores the outcome (an error, a job created by an earlier attempt).
 * A pending run whose retry_at has passed (its worker died) is taken over by `claimPending`.
 * The worker side: the scans (lockDue, claimPending) are over all orgs; later steps name the
 * fire's schedule, with its org wherever they touch `schedules` (schedule_runs has no org of its own).
 */
@Injectable()
export class ScheduleFiresRepository {
  constructor(private readonly db: DataSource) {}

  /** All orgs: the most overdue due schedule, locked (in `em`), skipping the ones another worker holds and `skip`. */
  async lockDue(em: EntityManager, until: Date, skip: string[]): Promise<DueSchedule | undefined> {
    const [row] = await em.query(
      `SELECT * FROM schedules
       WHERE enabled AND next_run_at <= $1 AND NOT (id = ANY($2::text[]))
       ORDER BY next_run_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
      [until, skip],
    );
    return row;
  }

  /**
   * Takes the plan's fire time (a run row, pending until `retryAt`) unless it was taken before,
   * and advances the schedule. False when the fire time had been taken: the schedule only moved on.
   */
  async take(em: EntityManager, s: DueSchedule, plan: FirePlan, retryAt: Date): Promise<boolean> {
    const taken = await em.query(
      `INSERT INTO schedule_runs (schedule_id, fire_at, catch_up, retry_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING fire_at`,
      [s.id, plan.fireAt, plan.catchUp, retryAt],
    );
    await em.query(
      `UPDATE schedules SET next_run_at = $3, last_run_at = CASE WHEN $4 THEN $5 ELSE last_run_at END WHERE id = $1 AND org_id = $2`,
      [s.id, s.org_id, plan.nextRunAt, taken.length > 0, plan.fireAt],
    );
    return taken.length > 0;
  }

  /** All orgs: a pending fire whose retry_at has passed, claimed until `leaseUntil` (one statement, SKIP LOCKED), with its schedule. */
  async claimPending(now: Date, leaseUntil: Date, skip: string[]): Promise<Fire | undefined> {
    // An UPDATE answers [rows, count] through TypeORM.
    const [[run]] = await this.db.query(
      `WITH c AS (
         SELECT schedule_id, fire_at FROM schedule_runs
         WHERE retry_at <= $1 AND NOT (schedule_id = ANY($2::text[]))
         ORDER BY retry_at LIMIT 1 FOR UPDATE SKIP LOCKED
       )
       UPDATE schedule_runs r SET retry_at = $3 FROM c
       WHERE r.schedule_id = c.schedule_id AND r.fire_at = c.fire_at
       RETURNING r.schedule_id, r.fire_at, r.catch_up`,
      [now, skip, leaseUntil],
    );
    if (!run) return undefined;
    const [schedule] = await this.db.query(`SELECT * FROM schedules WHERE id = $1`, [run.schedule_id]);
    // Deleted since: its runs went with it (ON DELETE CASCADE), nothing left to do.
    return schedule ? { schedule, fireAt: run.fire_at, catchUp: run.catch_up } : undefined;
  }

  /** In the job's transaction: the run gets its job, or FireAbandoned when the schedule is gone or paused. */
  async recordJob(em: EntityManager, fire: Fire, jobId: string): Promise<void> {
    const [rows] = await em.query(
      `WITH s AS (
         UPDATE schedules SET last_job_id = CASE WHEN last_run_at = $3 THEN $4 ELSE last_job_id END
         WHERE id = $1 AND org_id = $2 AND enabled RETURNING id
       )
       UPDATE schedule_runs r SET job_id = $4, error = NULL, retry_at = NULL FROM s
       WHERE r.schedule_id = s.id AND r.fire_at = $3 RETURNING r.fire_at`,
      [fire.schedule.id, fire.schedule.org_id, fire.fireAt, jobId],
    );
    if (!rows.length) throw new FireAbandoned();
  }

  /** The outcome of a fire whose job was not stored by recordJob: an error, or a job an earlier attempt created. */
  async record(fire: Fire, outcome: { jobId: string; error: null } | { jobId: null; error: RunError }): Promise<void> {
    await this.db.query(
      `WITH r AS (
         UPDATE schedule_runs SET job_id = $4, error = $5, retry_at = NULL
         WHERE schedule_id = $1 AND fire_at = $3 RETURNING fire_at
       )
       UPDATE schedules SET last_job_id = $4
       WHERE id = $1 AND org_id = $2 AND $4::text IS NOT NULL AND last_run_at = $3 AND EXISTS (SELECT 1 FROM r)`,
      [fire.schedule.id, fire.schedule.org_id, fire.fireAt, outcome.jobId, outcome.error ? JSON.stringify(outcome.error) : null],
    );
  }

  /** After an unexpected failure: any worker may try the fire again from `at`. */
  async retryAt(fire: Fire, at: Date): Promise<void> {
    await this.db.query(
      `UPDATE schedule_runs SET retry_at = $3 WHERE schedule_id = $1 AND fire_at = $2 AND retry_at IS NOT NULL`,
      [fire.schedule.id, fire.fireAt, at],
    );
  }
}
