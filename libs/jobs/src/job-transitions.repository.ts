import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { columns, preparedQuery, StatementBatcher } from '@app/database';
import { EventsPing } from '@app/queue';
import type { JobError, JobStatus, TaskKind, TaskStatus } from './job-status';
import type { JobRow, TaskRow } from './job-rows';

export interface NewTask {
  id: string;
  kind: TaskKind;
  attempt: number;
  run_at: Date;
}

export interface TaskFinish {
  jobId: string;
  taskId: string;
  taskStatus: Extract<TaskStatus, 'COMPLETED' | 'FAILED'>;
  taskResult?: unknown;
  taskError?: JobError | null;
  /** Set when the job reaches a terminal state with this task. */
  jobStatus?: Extract<JobStatus, 'COMPLETED' | 'FAILED'>;
  jobResult?: unknown;
  jobError?: JobError | null;
  followUp?: boolean;
  next?: NewTask;
  actor: string;
  reason?: string | null;
}

export interface ClaimedTask {
  task: TaskRow;
  job: JobRow;
}

/**
 * A terminal event nobody listens to (no callback_url, no observers, no parent whose
 * observers inherit it) is stored already dispatched, so the outbox only carries real work.
 */
const NOBODY_LISTENS = 'callback_url IS NULL AND observers IS NULL AND parent_job_id IS NULL';

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

interface ClaimRequest {
  jobId: string;
  taskId: string;
  leaseMs: number;
}

/**
 * Claims for any number of tasks (arrays, one element per task). Job rows are locked in id
 * order so that two batches never wait on each other in a cycle.
 */
const CLAIM_SQL = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::float8[]) AS i(job_id, task_id, lease_ms)
  ), job AS (
    SELECT * FROM jobs WHERE id IN (SELECT job_id FROM input) ORDER BY id FOR UPDATE
  ), task AS (
    UPDATE tasks t SET status = 'RUNNING', started_at = now(), finished_at = NULL,
           lease_expires_at = now() + i.lease_ms * interval '1 millisecond', awaiting_callback = false
    FROM input i JOIN job ON job.id = i.job_id
    WHERE t.id = i.task_id AND t.job_id = job.id AND job.status IN ('WAITING', 'SCHEDULED', 'RUNNING')
      AND (t.status = 'PENDING' OR (t.status = 'RUNNING' AND NOT t.awaiting_callback AND t.lease_expires_at < now()))
    RETURNING t.*
  ), started AS (
    UPDATE jobs j SET status = 'RUNNING', started_at = coalesce(j.started_at, now()),
           deadline_at = coalesce(j.deadline_at, now() + make_interval(secs => (j.config->>'max_time_to_complete')::float8)),
           updated_at = now()
    FROM job JOIN task ON task.job_id = job.id
    WHERE j.id = job.id AND job.status IN ('WAITING', 'SCHEDULED')
    RETURNING j.id, j.org_id, j.started_at, j.deadline_at, j.updated_at
  ), ev AS (
    INSERT INTO job_events (job_id, org_id, from_status, to_status, actor, task_id, dispatched)
    SELECT started.id, started.org_id, job.status, 'RUNNING', 'worker', task.id,
           job.observers IS NULL AND job.parent_job_id IS NULL
    FROM started JOIN job ON job.id = started.id JOIN task ON task.job_id = started.id
  )
  SELECT row_to_json(task) AS task,
         row_to_json(job) AS job,
         (SELECT row_to_json(started) FROM started WHERE started.id = job.id) AS started
  FROM task JOIN job ON job.id = task.job_id`;

/**
 * Finishes for any number of tasks. A completed task's result goes to the channel_posts
 * outbox (the job's first post, then thread replies) and the job's delivery reads PENDING
 * until the post is out; an earlier failed post keeps its error in the summary.
 */
const FINISH_SQL = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::jsonb[], $6::text[], $7::boolean[], $8::jsonb[],
                         $9::jsonb[], $10::boolean[], $11::text[], $12::text[], $13::text[], $14::text[], $15::int[], $16::timestamptz[])
      AS i(job_id, task_id, task_status, task_result, task_error, job_status, set_result, job_result,
           job_error, follow_up, actor, reason, next_id, next_kind, next_attempt, next_run_at)
  ), job AS (
    SELECT id, org_id, status, ${NOBODY_LISTENS} AS quiet FROM jobs WHERE id IN (SELECT job_id FROM input) ORDER BY id FOR UPDATE
  ), task AS (
    UPDATE tasks t SET status = i.task_status, finished_at = now(), result = i.task_result, error = i.task_error,
           lease_expires_at = NULL, awaiting_callback = false
    FROM input i JOIN job ON job.id = i.job_id
    WHERE t.id = i.task_id AND t.job_id = job.id AND t.status = 'RUNNING' AND job.status = 'RUNNING'
    RETURNING t.id
  ), upd AS (
    UPDATE jobs j SET status = coalesce(i.job_status, j.status),
           result = CASE WHEN i.set_result THEN i.job_result ELSE j.result END,
           error = coalesce(i.job_error, j.error),
           completed_at = CASE WHEN i.job_status IS NULL THEN j.completed_at ELSE now() END,
           follow_ups = j.follow_ups + CASE WHEN i.follow_up THEN 1 ELSE 0 END,
           delivery = CASE WHEN i.task_status <> 'COMPLETED' THEN j.delivery ELSE jsonb_build_object(
             'status', 'PENDING',
             'platform', j.target_channel->>'platform',
             'channel', j.target_channel->>'code',
             'ts', j.delivery->'ts',
             'attempts', coalesce((j.delivery->>'attempts')::int, 0),
             'error', CASE WHEN j.delivery->>'status' = 'FAILED' THEN j.delivery->'error' END) END,
           updated_at = now()
    FROM input i JOIN task ON task.id = i.task_id
    WHERE j.id = i.job_id
    RETURNING j.id, j.org_id
  ), ev AS (
    INSERT INTO job_events (job_id, org_id, from_status, to_status, actor, reason, task_id, dispatched)
    SELECT upd.id, upd.org_id, 'RUNNING', i.job_status, i.actor, i.reason, i.task_id, job.quiet
    FROM upd JOIN input i ON i.job_id = upd.id JOIN job ON job.id = upd.id
    WHERE i.job_status IS NOT NULL
  ), nxt AS (
    INSERT INTO tasks (id, job_id, org_id, kind, attempt, status, run_at)
    SELECT i.next_id, upd.id, upd.org_id, i.next_kind, i.next_attempt, 'PENDING', i.next_run_at
    FROM upd JOIN input i ON i.job_id = upd.id
    WHERE i.next_id IS NOT NULL
  ), post AS (
    INSERT INTO channel_posts (task_id, job_id, org_id, seq, result, is_final, status)
    SELECT i.task_id, upd.id, upd.org_id, (SELECT count(*) + 1 FROM channel_posts c WHERE c.job_id = upd.id), i.task_result,
           i.job_status IS NOT DISTINCT FROM 'COMPLETED', 'PENDING'
    FROM upd JOIN input i ON i.job_id = upd.id
    WHERE i.task_status = 'COMPLETED'
    RETURNING task_id
  )
  SELECT i.task_id,
         EXISTS (SELECT 1 FROM task WHERE task.id = i.task_id) AS applied,
         EXISTS (SELECT 1 FROM post WHERE post.task_id = i.task_id) AS posted
  FROM input i`;

/**
 * Every job state change, each one SQL statement that first locks the job row
 * (SELECT ... FOR UPDATE) and then changes it only from the statuses it may leave.
 * That is what keeps a late agent answer from overwriting CANCELED and two workers
 * from both starting a task, with one round trip per transition.
 */
@Injectable()
export class JobTransitionsRepository {
  // Claims and finishes of tasks that run side by side go to Postgres as one statement each. One
  // task twice (Bull delivered it twice at once) goes in a later statement: one statement would
  // change its row once but report it to both callers; after the first, the second finds it taken.
  private readonly claims = new StatementBatcher<ClaimRequest, ClaimedTask | null>((items) => this.claimMany(items), { conflictKey: (i) => i.taskId });
  private readonly finishes = new StatementBatcher<TaskFinish, { applied: boolean; posted: boolean }>(
    (items) => this.finishMany(items), { conflictKey: (f) => f.taskId },
  );

  constructor(private readonly db: DataSource, private readonly events: EventsPing) {}

  /** PENDING (or RUNNING with an expired lease) -> RUNNING, and the job WAITING/SCHEDULED -> RUNNING. */
  claimTask(jobId: string, taskId: string, leaseMs: number): Promise<ClaimedTask | null> {
    return this.claims.run({ jobId, taskId, leaseMs });
  }

  /**
   * Ends a RUNNING task of a RUNNING job; optionally ends the job or schedules the next task.
   * A completed task also leaves a channel post in the outbox (`posted`) and marks the job's
   * delivery PENDING.
   */
  finishTask(f: TaskFinish): Promise<{ applied: boolean; posted: boolean }> {
    return this.finishes.run(f);
  }

  private async claimMany(items: readonly ClaimRequest[]): Promise<Array<ClaimedTask | null>> {
    const rows = await preparedQuery<Record<string, any>>(this.db, CLAIM_SQL, columns(items, (i) => i.jobId, (i) => i.taskId, (i) => i.leaseMs));
    if (rows.some((r) => r.started)) this.events.written();
    const byTask = new Map(rows.map((r) => [r.task.id as string, r]));
    return items.map((i) => {
      const row = byTask.get(i.taskId);
      if (!row) return null;
      const merged = { ...row.job, ...(row.started ?? {}), status: 'RUNNING' };
      return { task: reviveTask(row.task), job: reviveJob(merged) };
    });
  }

  private async finishMany(items: readonly TaskFinish[]): Promise<Array<{ applied: boolean; posted: boolean }>> {
    const rows = await preparedQuery<{ task_id: string; applied: boolean; posted: boolean }>(this.db, FINISH_SQL, columns(items,
      (f) => f.jobId, (f) => f.taskId, (f) => f.taskStatus, (f) => json(f.taskResult), (f) => json(f.taskError),
      (f) => f.jobStatus ?? null, (f) => f.jobResult !== undefined, (f) => json(f.jobResult), (f) => json(f.jobError),
      (f) => f.followUp ?? false, (f) => f.actor, (f) => f.reason ?? null,
      (f) => f.next?.id ?? null, (f) => f.next?.kind ?? null, (f) => f.next?.attempt ?? null, (f) => f.next?.run_at ?? null,
    ));
    if (items.some((f) => f.jobStatus)) this.events.written();
    const byTask = new Map(rows.map((r) => [r.task_id, r]));
    return items.map((f) => {
      const r = byTask.get(f.taskId);
      return { applied: r?.applied ?? false, posted: r?.posted ?? false };
    });
  }

  /** The agent answered 202: the task waits for its callback; no lease, the deadline still holds. */
  async markAwaitingCallback(taskId: string): Promise<void> {
    await this.db.query(
      `UPDATE tasks SET awaiting_callback = true, lease_expires_at = NULL WHERE id = $1 AND status = 'RUNNING'`,
      [taskId],
    );
  }

  async renewLease(taskId: string, leaseMs: number): Promise<void> {
    await this.db.query(
      `UPDATE tasks SET lease_expires_at = now() + $2 * interval '1 millisecond' WHERE id = $1 AND status = 'RUNNING' AND NOT awaiting_callback`,
      [taskId, leaseMs],
    );
  }

  /** Gives RUNNING tasks back (worker shutting down) so another worker can take them at once. */
  async releaseTasks(taskIds: string[]): Promise<void> {
    if (!taskIds.length) return;
    await this.db.query(
      `UPDATE tasks SET status = 'PENDING', run_at = now(), started_at = NULL, lease_expires_at = NULL
       WHERE id = ANY($1) AND status = 'RUNNING' AND NOT awaiting_callback`,
      [taskIds],
    );
  }

  /**
   * Cancels a job of `orgId` that is not terminal yet, and in the same statement every
   * unfinished descendant (reason `parent canceled: <reason>`), with their open tasks, so a
   * crash can never leave a canceled parent with running subjobs. Returns what it found so
   * the caller can tell 404 / 403 / 409 apart, and each canceled job with its task ids.
   */
  async cancel(jobId: string, orgId: string, reason: string | null, actor: string) {
    const rows = await this.db.query(
      `WITH RECURSIVE tree AS (
         SELECT id, 0 AS depth FROM jobs WHERE id = $1
         UNION ALL
         SELECT c.id, tree.depth + 1 FROM jobs c JOIN tree ON c.parent_job_id = tree.id WHERE tree.depth < 50
       ), job AS (
         SELECT j.id, j.org_id, j.status, tree.depth, ${NOBODY_LISTENS} AS quiet
         FROM jobs j JOIN tree ON tree.id = j.id ORDER BY j.id FOR UPDATE OF j
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
         FROM upd WHERE t.job_id = upd.id AND t.status IN ('PENDING', 'RUNNING')
         RETURNING t.id, t.job_id
       ), ev AS (
         INSERT INTO job_events (job_id, org_id, from_status, to_status, actor, reason, dispatched)
         SELECT upd.id, upd.org_id, job.status, 'CANCELED', $4, upd.cancel_reason, job.quiet FROM upd JOIN job ON job.id = upd.id
       )
       SELECT root.org_id, root.status AS previous_status,
              coalesce((SELECT json_agg(json_build_object(
                'id', job.id, 'previous_status', job.status,
                'task_ids', coalesce((SELECT json_agg(tk.id) FROM tk WHERE tk.job_id = job.id), '[]'::json)))
                FROM job JOIN upd ON upd.id = job.id), '[]'::json) AS canceled_jobs
       FROM root`,
      [jobId, orgId, reason, actor],
    );
    this.events.written();
    if (!rows.length) return { found: false as const };
    const r = rows[0];
    const jobs = (r.canceled_jobs as Array<{ id: string; previous_status: JobStatus; task_ids: string[] }>)
      .map((c) => ({ id: c.id, previousStatus: c.previous_status, taskIds: c.task_ids }));
    return {
      found: true as const,
      orgId: r.org_id as string,
      previousStatus: r.previous_status as JobStatus,
      canceled: jobs.some((c) => c.id === jobId),
      jobs,
    };
  }

  /**
   * Fails RUNNING jobs past their deadline with TIMEOUT (all of them when jobId is
   * omitted, as the reconciler does; one when a worker's own deadline timer fires).
   */
  async timeoutJobs(jobId: string | null, limit = 200): Promise<string[]> {
    const rows = await this.db.query(
      `WITH due AS (
         SELECT id FROM jobs
         WHERE status = 'RUNNING' AND deadline_at <= now() AND ($1::text IS NULL OR id = $1)
         ORDER BY deadline_at LIMIT $2 FOR UPDATE SKIP LOCKED
       ), upd AS (
         UPDATE jobs j SET status = 'FAILED', completed_at = now(), updated_at = now(),
                error = jsonb_build_object('code', 'TIMEOUT', 'message',
                  'The job did not complete within max_time_to_complete (' || (j.config->>'max_time_to_complete') || ' s)')
         FROM due WHERE j.id = due.id
         RETURNING j.id, j.org_id, j.error, j.callback_url IS NULL AND j.observers IS NULL AND j.parent_job_id IS NULL AS quiet
       ), tk AS (
         UPDATE tasks t SET status = CASE WHEN t.status = 'RUNNING' THEN 'FAILED' ELSE 'CANCELED' END,
                error = CASE WHEN t.status = 'RUNNING' THEN upd.error ELSE t.error END,
                finished_at = now(), lease_expires_at = NULL
         FROM upd WHERE t.job_id = upd.id AND t.status IN ('PENDING', 'RUNNING')
       ), ev AS (
         INSERT INTO job_events (job_id, org_id, from_status, to_status, actor, reason, dispatched)
         SELECT id, org_id, 'RUNNING', 'FAILED', 'system', 'TIMEOUT: max_time_to_complete exceeded', quiet FROM upd
       )
       SELECT id FROM upd`,
      [jobId, limit],
    );
    if (rows.length) this.events.written();
    return rows.map((r: { id: string }) => r.id);
  }
}

const dateFields = ['scheduled_at', 'started_at', 'completed_at', 'deadline_at', 'created_at', 'updated_at', 'canceled_at', 'run_at', 'finished_at', 'lease_expires_at'];

/** row_to_json gives timestamps as strings; bring them back to Dates like the driver does. */
function revive<T>(row: Record<string, unknown>): T {
  for (const f of dateFields) if (typeof row[f] === 'string') row[f] = new Date(row[f] as string);
  return row as T;
}
const reviveTask = (r: Record<string, unknown>) => revive<TaskRow>(r);
const reviveJob = (r: Record<string, unknown>) => revive<JobRow>(r);
