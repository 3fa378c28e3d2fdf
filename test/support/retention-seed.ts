import type { Pool } from 'pg';
import { randomBytes } from 'node:crypto';

/** Every table that holds a job's rows, with its job_id column (webhook_attempts through its delivery). */
export const CHILD_TABLES = ['tasks', 'job_events', 'idempotency_keys', 'webhook_deliveries', 'channel_posts'] as const;

export interface SeedJob {
  org: string;
  status: 'WAITING' | 'SCHEDULED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELED';
  /** Days before now: completed_at (finished statuses only) and, unless createdDaysAgo says, created_at. */
  daysAgo: number;
  createdDaysAgo?: number;
  parent?: string;
  jobType?: string;
  channel?: string;
  /** Its idempotency key expires this many hours from now (negative: expired). Default 24. */
  keyExpiresInHours?: number;
}

const uid = (prefix: string) => `${prefix}_${randomBytes(10).toString('hex')}`;
const FINISHED = ['COMPLETED', 'FAILED', 'CANCELED'];

/**
 * A job stored through SQL with an old history, as the service would have left it: a task,
 * two events, an idempotency key, a webhook delivery with an attempt and a channel post.
 */
export async function seedJob(db: Pool, j: SeedJob): Promise<string> {
  const id = uid('job');
  const at = `now() - $3::int * interval '1 day'`;
  const created = `now() - $4::int * interval '1 day'`;
  const finished = FINISHED.includes(j.status);
  await db.query(`INSERT INTO orgs (id) VALUES ($1) ON CONFLICT DO NOTHING`, [j.org]);
  await db.query(
    `INSERT INTO jobs (id, org_id, job_type_id, status, channel_code, target_channel, config, scheduled_at, started_at, completed_at,
                       created_at, updated_at, parent_job_id)
     VALUES ($1, $2, $5, $6, $7, jsonb_build_object('org_id', $2::text, 'platform', 'webhook', 'code', $7::text), '{}',
             ${created}, ${created}, ${finished ? at : 'NULL'}, ${created}, ${at}, $8)`,
    [id, j.org, j.daysAgo, j.createdDaysAgo ?? j.daysAgo, j.jobType ?? 'echo', j.status, j.channel ?? 'C0SEED', j.parent ?? null],
  );
  const task = uid('task');
  const delivery = uid('dlv');
  await db.query(
    `WITH t AS (
       INSERT INTO tasks (id, job_id, org_id, kind, attempt, status, run_at, created_at)
       VALUES ($1, $2, $3, 'initial', 1, 'COMPLETED', now() - $4::int * interval '1 day', now() - $4::int * interval '1 day')
     ), e AS (
       INSERT INTO job_events (job_id, org_id, from_status, to_status, at, actor, dispatched)
       VALUES ($2, $3, NULL, 'WAITING', now() - $4::int * interval '1 day', 'seed', true),
              ($2, $3, 'WAITING', $5, now() - $4::int * interval '1 day', 'seed', true)
     ), k AS (
       INSERT INTO idempotency_keys (org_id, key, request_hash, job_id, expires_at)
       VALUES ($3, $2, 'hash', $2, now() + $6::int * interval '1 hour')
     ), d AS (
       INSERT INTO webhook_deliveries (id, org_id, job_id, event_type, target, url, payload, status, attempts)
       VALUES ($7, $3, $2, 'job.completed', 'callback_url', 'https://hooks.example.com/x', '{}', 'SUCCEEDED', 1) RETURNING id
     ), a AS (
       INSERT INTO webhook_attempts (delivery_id, attempt, status_code) SELECT id, 1, 200 FROM d
     )
     INSERT INTO channel_posts (task_id, job_id, org_id, seq, status) VALUES ($1, $2, $3, 1, 'DELIVERED')`,
    [task, id, j.org, j.daysAgo, j.status, j.keyExpiresInHours ?? 24, delivery],
  );
  return id;
}

/** The jobs of `ids` still stored. */
export async function storedJobs(db: Pool, ids: string[]): Promise<string[]> {
  const { rows } = await db.query(`SELECT id FROM jobs WHERE id = ANY($1) ORDER BY id`, [ids]);
  return rows.map((r) => r.id);
}

/** Rows of each child table (and webhook_attempts) still held for the jobs of `ids`. */
export async function childRows(db: Pool, ids: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of CHILD_TABLES) {
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE job_id = ANY($1)`, [ids]);
    counts[table] = rows[0].n;
  }
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.job_id = ANY($1)`, [ids],
  );
  counts.webhook_attempts = rows[0].n;
  return counts;
}

/** What childRows answers for jobs that hold `n` of each (a seeded job holds one of each, two events). */
export const eachChild = (jobs: number) => ({
  tasks: jobs, job_events: 2 * jobs, idempotency_keys: jobs, webhook_deliveries: jobs, channel_posts: jobs, webhook_attempts: jobs,
});
