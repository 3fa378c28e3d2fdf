import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { orderedWalk, retryOnDeadlock } from '@app/database';
import { MetricsService } from '@app/common/metrics';
import { EventsPing } from '@app/queue';
import type { JobStatus } from './job-status';
import { NOBODY_LISTENS } from './nobody-listens.sql';

/**
 * The ids of the open tasks (PENDING, RUNNING: one at a time per job) of the jobs in CTE `jobs`,
 * as an array. Looked up job by job (LIMIT keeps each lookup a probe of tasks_job_idx) and then
 * matched by primary key: without statistics Postgres takes every job to have thousands of
 * tasks, and a plain join on job_id made it read all of tasks instead.
 */
const openTasksOf = (jobs: string) => `ARRAY(
      SELECT o.id FROM ${jobs} CROSS JOIN LATERAL (
        SELECT id FROM tasks WHERE job_id = ${jobs}.id AND status IN ('PENDING', 'RUNNING') LIMIT 10) o)`;

/**
 * Cancels job $1 of org $2 (reason $3, actor $4) unless it is terminal, and every unfinished
 * descendant, with their open tasks. Returns the root's org and status and the canceled jobs.
 * The tree's jobs are locked by primary key (= ANY of an array): Postgres guesses a recursive
 * CTE's size at thousands of rows and would otherwise hash-join it with all of jobs.
 */
export const CANCEL_SQL = `WITH RECURSIVE tree AS (
    SELECT id, 0 AS depth FROM jobs WHERE id = $1
    UNION ALL
    SELECT c.id, tree.depth + 1 FROM jobs c JOIN tree ON c.parent_job_id = tree.id WHERE tree.depth < 50
  ), job AS (
    SELECT j.id, j.org_id, j.status, j.job_type_id, tree.depth, ${NOBODY_LISTENS} AS quiet
    FROM jobs j JOIN tree ON tree.id = j.id
    WHERE j.id = ANY (ARRAY(SELECT id FROM tree))
    ORDER BY j.id FOR UPDATE OF j
  ), root AS (
    SELECT * FROM job WHERE depth = 0
  ), upd AS (
    UPDATE jobs j SET status = 'CANCELED', canceled_by = $4, canceled_at = now(), completed_at = now(), updated_at = now(),
           cancel_reason = CASE WHEN job.depth = 0 THEN $3 ELSE 'parent canceled: ' || coalesce($3, 'no reason given') END
    FROM job, root
    WHERE j.id = job.id AND job.org_id = $2 AND job.status IN ('WAITING', 'SCHEDULED', 'RUNNING')
      AND root.org_id = $2 AND root.status IN ('WAITING', 'SCHEDULED', 'RUNNING')
    RETURNING j.id, j.org_id, j.cancel_reason
  ), tk AS (
    UPDATE tasks t SET status = 'CANCELED', finished_at = now(), lease_expires_at = NULL
    FROM upd WHERE t.job_id = upd.id AND t.status IN ('PENDING', 'RUNNING') AND t.id = ANY (${openTasksOf('upd')})
    RETURNING t.id, t.job_id
  ), ev AS (
    INSERT INTO job_events (job_id, org_id, from_status, to_status, actor, reason, dispatched)
    SELECT upd.id, upd.org_id, job.status, 'CANCELED', $4, upd.cancel_reason, job.quiet FROM upd JOIN job ON job.id = upd.id
  )
  SELECT root.org_id, root.status AS previous_status,
         coalesce((SELECT json_agg(json_build_object(
           'id', job.id, 'previous_status', job.status, 'job_type_id', job.job_type_id,
           'task_ids', coalesce((SELECT json_agg(tk.id) FROM tk WHERE tk.job_id = job.id), '[]'::json)))
           FROM job JOIN upd ON upd.id = job.id), '[]'::json) AS canceled_jobs
  FROM root`;

/** Fails the jobs that `due` selects (RUNNING past their deadline) with TIMEOUT, with their open tasks. */
const timeoutSql = (due: string) => `WITH due AS (
    ${due}
  ), upd AS (
    UPDATE jobs j SET status = 'FAILED', completed_at = now(), updated_at = now(),
           error = jsonb_build_object('code', 'TIMEOUT', 'message',
             'The job did not complete within max_time_to_complete (' || (j.config->>'max_time_to_complete') || ' s)')
    FROM due WHERE j.id = due.id
    RETURNING j.id, j.org_id, j.job_type_id, j.error, ${NOBODY_LISTENS} AS quiet
  ), tk AS (
    UPDATE tasks t SET status = CASE WHEN t.status = 'RUNNING' THEN 'FAILED' ELSE 'CANCELED' END,
           error = CASE WHEN t.status = 'RUNNING' THEN upd.error ELSE t.error END,
           finished_at = now(), lease_expires_at = NULL
    FROM upd WHERE t.job_id = upd.id AND t.status IN ('PENDING', 'RUNNING') AND t.id = ANY (${openTasksOf('upd')})
  ), ev AS (
    INSERT INTO job_events (job_id, org_id, from_status, to_status, actor, reason, dispatched)
    SELECT id, org_id, 'RUNNING', 'FAILED', 'system', 'TIMEOUT: max_time_to_complete exceeded', quiet FROM upd
  )
  SELECT id, job_type_id FROM upd`;

/** The reconciler's: RUNNING jobs past their deadline, earliest first ($1 at most), along jobs_running_deadline_idx. */
export const TIMEOUT_DUE_SQL = timeoutSql(
  `SELECT id FROM jobs WHERE status = 'RUNNING' AND deadline_at <= now() ORDER BY deadline_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
);

/** A worker's own deadline timer: job $1, if it is RUNNING past its deadline. */
export const TIMEOUT_ONE_SQL = timeoutSql(
  `SELECT id FROM jobs WHERE id = $1 AND status = 'RUNNING' AND deadline_at <= now() FOR UPDATE SKIP LOCKED`,
);

/**
 * Job-level transitions that do not come from a task's outcome: cancel (with the job's
 * subjobs) and timeout. Each is one SQL statement that locks the job rows first and changes
 * them only from the statuses they may leave.
 */
@Injectable()
export class JobTransitionsRepository {
  constructor(private readonly db: DataSource, private readonly events: EventsPing, private readonly metrics: MetricsService) {}

  /**
   * Cancels a job of `orgId` that is not terminal yet, and in the same statement every
   * unfinished descendant (reason `parent canceled: <reason>`), with their open tasks, so a
   * crash can never leave a canceled parent with running subjobs. Returns what it found so
   * the caller can tell 404 / 403 / 409 apart, and each canceled job with its task ids.
   */
  async cancel(jobId: string, orgId: string, reason: string | null, actor: string) {
    // The job is locked first, in its own statement: the tree is then read after every subjob insert
    // holding that lock (FOR KEY SHARE, jobs-create.service.ts) has committed.
    const rows = await retryOnDeadlock(() => this.db.transaction(async (em) => {
      await em.query(`SELECT 1 FROM jobs WHERE id = $1 FOR UPDATE`, [jobId]);
      return em.query(CANCEL_SQL, [jobId, orgId, reason, actor]);
    }));
    this.events.written();
    if (!rows.length) return { found: false as const };
    const r = rows[0];
    const jobs = (r.canceled_jobs as Array<{ id: string; previous_status: JobStatus; job_type_id: string; task_ids: string[] }>)
      .map((c) => ({ id: c.id, previousStatus: c.previous_status, jobTypeId: c.job_type_id, taskIds: c.task_ids }));
    return {
      found: true as const,
      orgId: r.org_id as string,
      previousStatus: r.previous_status as JobStatus,
      canceled: jobs.some((c) => c.id === jobId),
      jobs,
    };
  }

  /**
   * Fails RUNNING jobs past their deadline with TIMEOUT: of all orgs when jobId is null (the
   * reconciler's scan); the job a worker's own deadline timer names otherwise (worker-internal).
   */
  async timeoutJobs(jobId: string | null, limit = 200): Promise<string[]> {
    const rows = await retryOnDeadlock(() => (jobId === null ? orderedWalk(this.db, TIMEOUT_DUE_SQL, [limit]) : this.db.query(TIMEOUT_ONE_SQL, [jobId])));
    if (rows.length) this.events.written();
    for (const r of rows as Array<{ job_type_id: string }>) this.metrics.jobFinished('FAILED', r.job_type_id);
    return rows.map((r: { id: string }) => r.id);
  }
}
