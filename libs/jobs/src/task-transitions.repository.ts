import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '@app/common';
import { columns, preparedQuery, StatementBatcher } from '@app/database';
import { EventsPing } from '@app/queue';
import { deliveryOnTaskFinishSql, insertPostsSql } from '@app/channels';
import { AgentSpend, NO_SPEND } from '@app/job-types';
import { appendJobMessagesSql } from '@app/sessions';
import { WorkerIdentity } from './execution/worker-identity';
import type { JobError, JobStatus, TaskKind, TaskStatus } from './job-status';
import type { JobRow, TaskRow } from './job-rows';
import { NOBODY_LISTENS } from './nobody-listens.sql';

export interface NewTask {
  id: string;
  kind: TaskKind;
  attempt: number;
  run_at: Date;
}

export interface TaskFinish {
  jobId: string;
  taskId: string;
  /** What the agent spent on the task: stored on it and added to the job's sums (none when left out). */
  spend?: AgentSpend;
  /** The job's brief and result as session messages, when it completes inside a session. */
  sessionAppend?: { brief: string; answer: string };
  /** The claim number the caller's claim returned (tasks.claims): a later claim's task is not the caller's to finish. */
  claim: number;
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

/** A task given back to the queue: its next run is Bull job TaskQueue.jobId(id, claims). */
export interface HandedBackTask {
  id: string;
  job_id: string;
  org_id: string;
  claims: number;
}

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

/** Usage `a` plus usage `b` (jsonb {prompt, completion, total}, integers), as jsonb. */
const addUsageSql = (a: string, b: string) => `jsonb_build_object(${['prompt', 'completion', 'total']
  .map((k) => `'${k}', (${a}->>'${k}')::bigint + (${b}->>'${k}')::bigint`).join(', ')})`;

interface ClaimRequest {
  jobId: string;
  taskId: string;
}

/**
 * Claims for any number of tasks (arrays, one element per task) by worker $3, which must be
 * alive ($4: WORKER_DEAD_AFTER_MS) when the statement starts, so a task is never given to a
 * worker the reconciler is about to declare dead; and a claim that waited on locks longer
 * than that takes nothing, so none lands after its worker's row was reaped (WorkersRepository).
 * Each claim counts one in tasks.claims: the number is the claim's fence. Job rows are locked
 * in id order so that two batches never wait on each other in a cycle.
 */
export const CLAIM_SQL = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[]) AS i(job_id, task_id)
  ), live AS (
    SELECT 1 FROM workers WHERE id = $3 AND stopped_at IS NULL AND heartbeat_at > now() - $4::float8 * interval '1 millisecond'
  ), job AS (
    SELECT * FROM jobs WHERE id IN (SELECT job_id FROM input) AND EXISTS (SELECT 1 FROM live) ORDER BY id FOR UPDATE
  ), task AS (
    UPDATE tasks t SET status = 'RUNNING', started_at = now(), finished_at = NULL, claims = t.claims + 1, worker_id = $3,
           lease_expires_at = NULL, awaiting_callback = false
    FROM input i JOIN job ON job.id = i.job_id
    WHERE t.id = i.task_id AND t.job_id = job.id AND job.status IN ('WAITING', 'SCHEDULED', 'RUNNING') AND t.status = 'PENDING'
      AND clock_timestamp() < now() + $4::float8 * interval '1 millisecond'
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
 * Finishes for any number of tasks, each only under the claim that ran it (i.claim). The task
 * keeps what its agent spent (usage, tool_calls, iterations) and the job adds it up. A completed
 * task's result goes to the channel_posts outbox (the job's first post, then thread replies) and
 * the job's delivery reads PENDING until the post is out; an earlier failed post keeps its error
 * in the summary. A job completed inside a live session appends its brief and result to that
 * session's history in the same statement (libs/sessions' fragment; $23: SESSION_TTL_UNIT_MS).
 */
export const FINISH_SQL = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::jsonb[], $6::text[], $7::boolean[], $8::jsonb[],
                         $9::jsonb[], $10::boolean[], $11::text[], $12::text[], $13::text[], $14::text[], $15::int[], $16::timestamptz[],
                         $17::int[], $18::jsonb[], $19::jsonb[], $20::int[], $21::text[], $22::text[])
      AS i(job_id, task_id, task_status, task_result, task_error, job_status, set_result, job_result,
           job_error, follow_up, actor, reason, next_id, next_kind, next_attempt, next_run_at, claim,
           usage, tool_calls, iterations, session_brief, session_answer)
  ), job AS (
    SELECT id, org_id, status, session_id, ${NOBODY_LISTENS} AS quiet FROM jobs WHERE id IN (SELECT job_id FROM input) ORDER BY id FOR UPDATE
  ), task AS (
    UPDATE tasks t SET status = i.task_status, finished_at = now(), result = i.task_result, error = i.task_error,
           lease_expires_at = NULL, awaiting_callback = false, usage = i.usage, tool_calls = i.tool_calls, iterations = i.iterations
    FROM input i JOIN job ON job.id = i.job_id
    WHERE t.id = i.task_id AND t.job_id = job.id AND t.status = 'RUNNING' AND t.claims = i.claim AND job.status = 'RUNNING'
    RETURNING t.id
  ), upd AS (
    UPDATE jobs j SET status = coalesce(i.job_status, j.status),
           result = CASE WHEN i.set_result THEN i.job_result ELSE j.result END,
           error = coalesce(i.job_error, j.error),
           completed_at = CASE WHEN i.job_status IS NULL THEN j.completed_at ELSE now() END,
           follow_ups = j.follow_ups + CASE WHEN i.follow_up THEN 1 ELSE 0 END,
           delivery = ${deliveryOnTaskFinishSql({ job: 'j', posted: "i.task_status = 'COMPLETED'" })},
           usage = ${addUsageSql('j.usage', 'i.usage')},
           iterations = j.iterations + i.iterations,
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
    ${insertPostsSql({
      from: 'upd JOIN input i ON i.job_id = upd.id', where: "i.task_status = 'COMPLETED'", taskId: 'i.task_id', jobId: 'upd.id', orgId: 'upd.org_id',
      result: 'i.task_result', isFinal: "i.job_status IS NOT DISTINCT FROM 'COMPLETED'",
    })}
  ), completed_in_session AS (
    SELECT upd.id AS job_id, upd.org_id, job.session_id, i.session_brief AS brief, i.session_answer AS answer
    FROM upd JOIN input i ON i.job_id = upd.id JOIN job ON job.id = upd.id
    WHERE i.job_status = 'COMPLETED' AND job.session_id IS NOT NULL AND i.session_brief IS NOT NULL
  ), ${appendJobMessagesSql('completed_in_session', '$23')}
  SELECT i.task_id,
         EXISTS (SELECT 1 FROM task WHERE task.id = i.task_id) AS applied,
         EXISTS (SELECT 1 FROM post WHERE post.task_id = i.task_id) AS posted
  FROM input i`;

/** The agent answered 202: the task waits for its callback, which no worker holds (only the deadline applies). */
export const AWAIT_CALLBACK_SQL = `UPDATE tasks SET awaiting_callback = true, lease_expires_at = NULL WHERE id = $1 AND status = 'RUNNING' AND claims = $2`;

/** A worker shutting down gives its running task back, under its own claim only. */
export const RELEASE_SQL = `
  WITH released AS (
    UPDATE tasks SET status = 'PENDING', run_at = now(), started_at = NULL, lease_expires_at = NULL, worker_id = NULL
    WHERE id = $1 AND claims = $2 AND status = 'RUNNING' AND NOT awaiting_callback
    RETURNING id, job_id, org_id, claims
  ) SELECT * FROM released`;

/**
 * A task's life on a worker: claimed, finished (or waiting for its callback), or handed back.
 * Each is one SQL statement that locks the job row first (SELECT ... FOR UPDATE) and changes it
 * only from the statuses it may leave, and each write after the claim names the claim (fencing):
 * a late agent answer cannot overwrite CANCELED, two workers cannot both start a task, and a
 * worker declared dead cannot finish a task that another worker claimed since.
 * Worker-internal, for all orgs: a task is named by its id and its claim, not its org (the
 * result route first reads the task for the caller's org: JobsReadRepository.resultTarget).
 */
@Injectable()
export class TaskTransitionsRepository {
  // Claims and finishes of tasks that run side by side go to Postgres as one statement each. One
  // task twice (Bull delivered it twice at once) goes in a later statement: one statement would
  // change its row once but report it to both callers; after the first, the second finds it taken.
  private readonly claims = new StatementBatcher<ClaimRequest, ClaimedTask | null>((items) => this.claimMany(items), { conflictKey: (i) => i.taskId });
  private readonly finishes = new StatementBatcher<TaskFinish, { applied: boolean; posted: boolean }>(
    (items) => this.finishMany(items), { conflictKey: (f) => f.taskId },
  );

  constructor(
    private readonly db: DataSource,
    private readonly worker: WorkerIdentity,
    private readonly config: AppConfig,
    private readonly events: EventsPing,
  ) {}

  /** PENDING -> RUNNING for this worker, and the job WAITING/SCHEDULED -> RUNNING. Null: not claimable (or this worker is not alive). */
  claimTask(jobId: string, taskId: string): Promise<ClaimedTask | null> {
    return this.claims.run({ jobId, taskId });
  }

  /**
   * Ends a RUNNING task of a RUNNING job under claim `f.claim`; optionally ends the job or
   * schedules the next task. A completed task also leaves a channel post in the outbox
   * (`posted`) and marks the job's delivery PENDING.
   */
  finishTask(f: TaskFinish): Promise<{ applied: boolean; posted: boolean }> {
    return this.finishes.run(f);
  }

  async markAwaitingCallback(taskId: string, claim: number): Promise<void> {
    await this.db.query(AWAIT_CALLBACK_SQL, [taskId, claim]);
  }

  /** Gives a RUNNING task back (worker shutting down) so another worker can take it at once. Null: not ours any more. */
  async releaseTask(taskId: string, claim: number): Promise<HandedBackTask | null> {
    const [row]: HandedBackTask[] = await this.db.query(RELEASE_SQL, [taskId, claim]);
    return row ?? null;
  }

  private async claimMany(items: readonly ClaimRequest[]): Promise<Array<ClaimedTask | null>> {
    const rows = await preparedQuery<Record<string, any>>(this.db, CLAIM_SQL, [
      ...columns(items, (i) => i.jobId, (i) => i.taskId), this.worker.id, this.config.WORKER_DEAD_AFTER_MS,
    ]);
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
    const rows = await preparedQuery<{ task_id: string; applied: boolean; posted: boolean }>(this.db, FINISH_SQL, [...columns(items,
      (f) => f.jobId, (f) => f.taskId, (f) => f.taskStatus, (f) => json(f.taskResult), (f) => json(f.taskError),
      (f) => f.jobStatus ?? null, (f) => f.jobResult !== undefined, (f) => json(f.jobResult), (f) => json(f.jobError),
      (f) => f.followUp ?? false, (f) => f.actor, (f) => f.reason ?? null,
      (f) => f.next?.id ?? null, (f) => f.next?.kind ?? null, (f) => f.next?.attempt ?? null, (f) => f.next?.run_at ?? null,
      (f) => f.claim, (f) => JSON.stringify((f.spend ?? NO_SPEND).usage), (f) => JSON.stringify((f.spend ?? NO_SPEND).tool_calls),
      (f) => (f.spend ?? NO_SPEND).iterations,
      (f) => f.sessionAppend?.brief ?? null, (f) => f.sessionAppend?.answer ?? null,
    ), this.config.SESSION_TTL_UNIT_MS]);
    if (items.some((f) => f.jobStatus)) this.events.written();
    const byTask = new Map(rows.map((r) => [r.task_id, r]));
    return items.map((f) => {
      const r = byTask.get(f.taskId);
      return { applied: r?.applied ?? false, posted: r?.posted ?? false };
    });
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
