import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { columns, OrgLookup, orgLookup, preparedQuery, StatementBatcher } from '@app/database';
import type { JobConfig } from '@app/job-types';
import type { CreateJobDto } from './dto/create-job.dto';
import type { JobRow } from './job-rows';
import type { JobStatus } from './job-status';

const IDEMPOTENCY_TTL_HOURS = 24;
/** Most jobs in one batch create (POST /services/agent-jobs/batch), and so in its one statement. */
export const MAX_BATCH_JOBS = 500;

/** The Idempotency-Key of a batch create: the org, the key and the hash of its request. */
export interface BatchKey { orgId: string; key: string; hash: string }

/** A job to store with its first task and creation event. */
export interface NewJob {
  jobId: string; taskId: string; orgId: string; status: string; runAt: Date; now: Date; config: JobConfig;
  body: CreateJobDto; actor: string; idempotency: { key: string; hash: string } | null;
}

/** Runs in the job's transaction, after its rows (CreateJobRequest.inTransaction). */
export type InJobTransaction = (em: EntityManager, job: JobRow) => Promise<void>;

/** The subjob's parent (or an ancestor) was no longer active once the insert locked it: nothing was stored. */
export class ParentInactive extends Error {
  constructor(readonly parentId: string) {
    super(`parent job ${parentId} is no longer active`);
  }
}

class KeyTaken extends Error {}

/**
 * The job, its first task and its creation event for any number of jobs (arrays, one element per job).
 * A subjob is inserted only if its parent is still active once the parent and all its ancestors
 * are locked FOR KEY SHARE (the weakest lock that conflicts with the cancel's FOR UPDATE; ordinary
 * status updates do not wait for it), in id order like every statement that locks jobs. A cancel
 * locks the job it cancels before it reads the tree (JobTransitionsRepository.cancel), so either it
 * waits for this insert and then cancels the new subjob too, or this insert waits for it and finds
 * the parent CANCELED: the subjob is then left out of RETURNING (409 PARENT_JOB_TERMINAL).
 */
export const INSERT_JOBS_SQL = `
  WITH RECURSIVE input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::jsonb[], $8::jsonb[],
                         $9::jsonb[], $10::timestamptz[], $11::timestamptz[], $12::text[], $13::text[], $14::jsonb[], $15::text[], $16::text[],
                         $17::text[])
      AS i(id, org_id, job_type_id, status, channel_code, target_channel, params, config,
           metadata, scheduled_at, created_at, parent_job_id, callback_url, observers, created_by, task_id, session_id)
  ), chain AS (
    SELECT DISTINCT parent_job_id AS id, 0 AS up FROM input WHERE parent_job_id IS NOT NULL
    UNION
    SELECT p.parent_job_id, chain.up + 1 FROM jobs p JOIN chain ON p.id = chain.id WHERE p.parent_job_id IS NOT NULL AND chain.up < 50
  ), ancestors AS (
    SELECT id, status FROM jobs WHERE id IN (SELECT id FROM chain) ORDER BY id FOR KEY SHARE
  ), live AS (
    SELECT coalesce(array_agg(id) FILTER (WHERE status IN ('WAITING', 'SCHEDULED', 'RUNNING')), '{}') AS ids FROM ancestors
  ), j AS (
    INSERT INTO jobs (id, org_id, job_type_id, status, channel_code, target_channel, params, config, metadata,
                      scheduled_at, created_at, updated_at, parent_job_id, callback_url, observers, created_by, session_id)
    SELECT id, org_id, job_type_id, status, channel_code, target_channel, params, config, metadata,
           scheduled_at, created_at, created_at, parent_job_id, callback_url, observers, created_by, session_id
    FROM input
    WHERE parent_job_id IS NULL OR parent_job_id = ANY ((SELECT ids FROM live)::text[])
    RETURNING *
  ), t AS (
    INSERT INTO tasks (id, job_id, org_id, kind, attempt, status, run_at, created_at)
    SELECT i.task_id, j.id, j.org_id, 'initial', 1, 'PENDING', j.scheduled_at, j.created_at FROM j JOIN input i ON i.id = j.id
  ), e AS (
    INSERT INTO job_events (job_id, org_id, from_status, to_status, at, actor, dispatched)
    SELECT j.id, j.org_id, NULL, j.status, j.created_at, j.created_by, true FROM j
  )
  SELECT * FROM j`;

/**
 * Creating jobs: the job rows with their first task and event, the Idempotency-Key records, and
 * what a create reads first (a replay, the parent of a subjob). Every statement names the org.
 */
@Injectable()
export class JobInsertRepository {
  /** Creates that arrive together share one INSERT of all their jobs, tasks and events. */
  private readonly inserts = new StatementBatcher<NewJob, JobRow>((jobs) => this.insertMany(jobs));

  /** A batch create's jobs: all of them in one statement (a single create's batcher stops at 100). */
  private readonly batchInserts = new StatementBatcher<NewJob, JobRow>((jobs) => this.insertMany(jobs), { maxBatch: MAX_BATCH_JOBS });

  constructor(private readonly db: DataSource) {}

  /**
   * Stores the job. With an Idempotency-Key or an `inTransaction` hook, in a transaction of its
   * own that takes the key (null: a live record holds it) and then runs the hook (a throw stores
   * nothing); otherwise in the next shared statement. ParentInactive: the subjob's parent ended first.
   */
  insert(p: NewJob, inTransaction?: InJobTransaction): Promise<JobRow | null> {
    if (!p.idempotency && !inTransaction) return this.inserts.run(p);
    return this.db.transaction(async (em) => {
      const [job] = await em.query(INSERT_JOBS_SQL, insertParams([p]));
      if (!job) throw new ParentInactive(p.body.parent_job_id!);
      if (p.idempotency) {
        // Takes the key unless a live (unexpired) record holds it; an expired one is replaced.
        const claimed = await em.query(
          `INSERT INTO idempotency_keys (org_id, key, request_hash, job_id, expires_at)
           VALUES ($1, $2, $3, $4, now() + interval '${IDEMPOTENCY_TTL_HOURS} hours')
           ON CONFLICT (org_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, job_id = EXCLUDED.job_id,
             response = NULL, expires_at = EXCLUDED.expires_at
           WHERE idempotency_keys.expires_at <= now()
           RETURNING job_id`,
          [p.orgId, p.idempotency.key, p.idempotency.hash, p.jobId],
        );
        if (!claimed.length) throw new KeyTaken();
      }
      await inTransaction?.(em, job as JobRow);
      return job as JobRow;
    }).catch((err) => {
      if (err instanceof KeyTaken) return null;
      throw err;
    });
  }

  /**
   * The job a live Idempotency-Key record of the org names, with the hash of the request that
   * made it (a batch's record names no job: its hash never matches a single create's).
   */
  async replayOf(orgId: string, key: string): Promise<{ requestHash: string; job: JobRow } | null> {
    const rows = await this.db.query(
      `SELECT k.request_hash, j.* FROM idempotency_keys k LEFT JOIN jobs j ON j.id = k.job_id
       WHERE k.org_id = $1 AND k.key = $2 AND k.expires_at > now()`,
      [orgId, key],
    );
    if (!rows.length) return null;
    const { request_hash: requestHash, ...job } = rows[0];
    return { requestHash, job: job as JobRow };
  }

  /** The hash and stored answer of a live Idempotency-Key record of the org (answer null: a single create's). */
  async batchReplayOf(orgId: string, key: string): Promise<{ requestHash: string; answer: unknown } | null> {
    const [row] = await this.db.query(
      `SELECT request_hash, response FROM idempotency_keys WHERE org_id = $1 AND key = $2 AND expires_at > now()`,
      [orgId, key],
    );
    return row ? { requestHash: row.request_hash, answer: row.response } : null;
  }

  /**
   * A batch create's jobs with their tasks and events in one statement (one per call: every item
   * joins the same StatementBatcher flush). One result per job, in order: its row, or the Error
   * that kept it out (ParentInactive; a value Postgres refused, found by running items alone).
   */
  insertAll(jobs: readonly NewJob[]): Promise<Array<JobRow | Error>> {
    return Promise.all(jobs.map((j) => this.batchInserts.run(j).catch((err: Error) => err)));
  }

  /**
   * insertAll in a transaction that then stores \`answer(results)\` under the batch's key, so a
   * replay gets exactly the first answer. Null: a live record holds the key (nothing is stored).
   */
  insertAllWithKey<A>(jobs: readonly NewJob[], key: BatchKey, answer: (results: Array<JobRow | Error>) => A): Promise<{ results: Array<JobRow | Error>; answer: A } | null> {
    return this.db.transaction(async (em) => {
      const results = await insertEachIfNeeded(em, jobs);
      const stored = answer(results);
      const claimed = await em.query(
        `INSERT INTO idempotency_keys (org_id, key, request_hash, job_id, response, expires_at)
         VALUES ($1, $2, $3, NULL, $4::jsonb, now() + interval '${IDEMPOTENCY_TTL_HOURS} hours')
         ON CONFLICT (org_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, job_id = NULL,
           response = EXCLUDED.response, expires_at = EXCLUDED.expires_at
         WHERE idempotency_keys.expires_at <= now()
         RETURNING key`,
        [key.orgId, key.key, key.hash, JSON.stringify(stored)],
      );
      if (!claimed.length) throw new KeyTaken();
      return { results, answer: stored };
    }).catch((err) => {
      if (err instanceof KeyTaken) return null;
      throw err;
    });
  }

  /** The job an Idempotency-Key record of the org names, expired or not. */
  async jobIdOfKey(orgId: string, key: string): Promise<string | null> {
    const [row] = await this.db.query(`SELECT job_id FROM idempotency_keys WHERE org_id = $1 AND key = $2`, [orgId, key]);
    return row?.job_id ?? null;
  }

  /** The would-be parents of a batch's subjobs, each as parentLookup answers, in one query. */
  async parentLookups(orgId: string, parentIds: string[]): Promise<Map<string, OrgLookup<{ org_id: string; status: JobStatus }>>> {
    const rows: Array<{ id: string; org_id: string; status: JobStatus }> = parentIds.length
      ? await this.db.query(`SELECT id, org_id, status FROM jobs WHERE id = ANY($1::text[])`, [parentIds])
      : [];
    const byId = new Map(rows.map((r) => [r.id, r]));
    return new Map(parentIds.map((id) => [id, orgLookup(orgId, byId.get(id))]));
  }

  /** The would-be parent of a subjob of the org, and its status. */
  async parentLookup(orgId: string, parentId: string): Promise<OrgLookup<{ org_id: string; status: JobStatus }>> {
    const [parent] = await this.db.query(`SELECT org_id, status FROM jobs WHERE id = $1`, [parentId]);
    return orgLookup(orgId, parent);
  }

  private async insertMany(jobs: readonly NewJob[]): Promise<Array<JobRow | Error>> {
    return matchRows(jobs, await preparedQuery<JobRow>(this.db, INSERT_JOBS_SQL, insertParams(jobs)));
  }
}

/**
 * The jobs in one statement; if Postgres refuses it (one bad value), each job alone under a
 * savepoint, so one item's value does not fail the batch (as StatementBatcher does outside a transaction).
 */
async function insertEachIfNeeded(em: EntityManager, jobs: readonly NewJob[]): Promise<Array<JobRow | Error>> {
  await em.query('SAVEPOINT batch_jobs');
  try {
    const rows: JobRow[] = await em.query(INSERT_JOBS_SQL, insertParams(jobs));
    await em.query('RELEASE SAVEPOINT batch_jobs');
    return matchRows(jobs, rows);
  } catch (err) {
    await em.query('ROLLBACK TO SAVEPOINT batch_jobs');
    if (jobs.length === 1) return [err as Error];
  }
  const results: Array<JobRow | Error> = [];
  for (const job of jobs) {
    await em.query('SAVEPOINT batch_job');
    try {
      results.push(...matchRows([job], await em.query(INSERT_JOBS_SQL, insertParams([job]))));
      await em.query('RELEASE SAVEPOINT batch_job');
    } catch (err) {
      await em.query('ROLLBACK TO SAVEPOINT batch_job');
      results.push(err as Error);
    }
  }
  return results;
}

/** One result per job: its returned row, or ParentInactive when the statement left it out. */
function matchRows(jobs: readonly NewJob[], rows: readonly JobRow[]): Array<JobRow | Error> {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return jobs.map((j) => byId.get(j.jobId) ?? new ParentInactive(j.body.parent_job_id!));
}

function insertParams(jobs: readonly NewJob[]): unknown[][] {
  const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));
  return columns(jobs,
    (j) => j.jobId, (j) => j.orgId, (j) => j.body.job_type_id, (j) => j.status,
    (j) => j.body.target_channel.code, (j) => JSON.stringify(j.body.target_channel),
    (j) => JSON.stringify(j.body.params ?? {}), (j) => JSON.stringify(j.config), (j) => json(j.body.metadata),
    (j) => j.runAt, (j) => j.now, (j) => j.body.parent_job_id ?? null, (j) => j.body.callback_url ?? null,
    (j) => json(j.body.observers), (j) => j.actor, (j) => j.taskId, (j) => j.body.session_id ?? null);
}
