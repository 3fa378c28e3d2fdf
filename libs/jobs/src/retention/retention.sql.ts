/**
 * Retention's statements. Each deletes one small batch in one statement (its own transaction:
 * row locks are held for that statement only). tasks, job_events, idempotency_keys,
 * webhook_deliveries (and their webhook_attempts) and channel_posts reference jobs ON DELETE
 * CASCADE, each through an index on its job_id, so deleting a job deletes its child rows with it.
 */

const FINISHED = `('COMPLETED', 'FAILED', 'CANCELED')`;

/** No event of the job waits for the observers' dispatcher (which would otherwise race the delete for its rows). */
const dispatched = (job: string) => `NOT EXISTS (SELECT 1 FROM job_events e WHERE e.job_id = ${job} AND NOT e.dispatched)`;

/**
 * Deletes the trees of the roots `rootsSql` picks (columns id, k: the walk's key, locked FOR
 * UPDATE SKIP LOCKED so concurrent workers and clears never pick the same root), subjobs and
 * theirs included, in one statement: the self-reference's check runs at the end of it, when
 * parent and subjobs are gone together. A tree with a job that is not finished (a subjob still
 * running under a finished root, or an event the dispatcher has not sent yet) is kept whole:
 * a subjob never goes without its root, and a running job is never deleted under its worker. Answers how many roots were picked (a full
 * batch: more may follow), how many jobs were deleted, and the last root's key for the next batch.
 */
export function deleteTreesSql(rootsSql: string): string {
  return `WITH RECURSIVE roots AS (${rootsSql}),
  tree AS (
    SELECT id AS root_id, id, ${dispatched('roots.id')} AS finished FROM roots
    UNION ALL
    -- a lookup of jobs_parent_idx per job of the tree (OFFSET 0 keeps it one: a planner without
    -- statistics would rather hash-join a scan of every job)
    SELECT tree.root_id, j.id, j.finished FROM tree
    CROSS JOIN LATERAL (
      SELECT id, status IN ${FINISHED} AND ${dispatched('jobs.id')} AS finished FROM jobs WHERE parent_job_id = tree.id OFFSET 0
    ) j
  ),
  kept AS (SELECT DISTINCT root_id FROM tree WHERE NOT finished),
  gone AS (
    DELETE FROM jobs WHERE id = ANY (ARRAY(SELECT id FROM tree WHERE root_id NOT IN (SELECT root_id FROM kept))) RETURNING id
  ),
  last AS (SELECT k::text AS k, id FROM roots ORDER BY roots.k DESC, id DESC LIMIT 1)
  SELECT (SELECT count(*) FROM roots)::int AS picked, (SELECT count(*) FROM gone)::int AS deleted,
         (SELECT k FROM last) AS last_key, (SELECT id FROM last) AS last_id`;
}

/**
 * The worker's batch, across orgs: finished root jobs completed more than $1 days ago, after
 * the key ($2 completed_at, $3 id) of the previous batch, $4 at most, oldest first: a walk of
 * jobs_finished_roots_idx in key order (run as an orderedWalk), so it stops at the LIMIT.
 */
export const DELETE_EXPIRED_TREES_SQL = deleteTreesSql(`
  SELECT id, completed_at AS k FROM jobs
  WHERE status IN ${FINISHED} AND parent_job_id IS NULL
    AND completed_at < now() - $1::int * interval '1 day'
    AND (completed_at, id) > ($2::timestamptz, $3::text)
  ORDER BY completed_at, id
  LIMIT $4
  FOR UPDATE SKIP LOCKED`);

/**
 * A clear's batch: the org's ($1) root jobs of status $2, after the key ($3 created_at, $4 id)
 * of the previous batch, $5 at most, matching the list filters `filterSql` (placeholders from
 * $6): a walk of jobs_org_status_created_idx in key order.
 */
export function deleteOrgTreesSql(filterSql: string[]): string {
  return deleteTreesSql(`
  SELECT id, created_at AS k FROM jobs
  WHERE org_id = $1 AND status = $2 AND parent_job_id IS NULL
    AND (created_at, id) > ($3::timestamptz, $4::text)${filterSql.map((f) => `\n    AND ${f}`).join('')}
  ORDER BY created_at, id
  LIMIT $5
  FOR UPDATE SKIP LOCKED`);
}

/** Expired idempotency keys, across orgs, $1 at most, oldest first (idempotency_keys_expires_idx). */
export const DELETE_EXPIRED_KEYS_SQL = `
  DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
    SELECT ctid FROM idempotency_keys WHERE expires_at <= now() ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED
  ))`;

/** Where a walk starts: before every key. */
export const WALK_START = { key: '-infinity', id: '' } as const;
