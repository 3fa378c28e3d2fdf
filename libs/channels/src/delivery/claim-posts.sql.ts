import type { WebhookErrorCode } from '@app/common/outbound';
import { columns } from '@app/database';
import type { JobRecordSql } from './job-record.port';
import { dueAtMsSql } from './post-wakeups';

/** The error code of a post whose receiver asked to stop (410 Gone): the job's later posts are not sent. */
export const GONE_CODE: WebhookErrorCode = 'WEBHOOK_GONE';

/** A blocked post waits about until the post blocking it is due again, within these bounds. */
const MIN_WAIT_MS = 500;
const MAX_WAIT_MS = 60_000;

/**
 * PENDING (or SENDING whose lease ran out: an interrupted attempt) -> SENDING with a lease,
 * attempts + 1, unless an earlier post of the job is still open; then it is deferred
 * instead. Does not touch the jobs row: the summary says PENDING from the post's insert
 * (finishTask) and counts the attempt when its outcome is recorded.
 *
 * For any number of posts (arrays, one element per post; `n` tells them apart in the
 * answer). Post rows are locked in task_id order, the order finishSql locks them in, so
 * two batches never wait on each other in a cycle. The job's JSON comes from the library
 * that owns jobs (`record`).
 *
 * No job lock: whether earlier posts are open is read in the statement's snapshot, and a
 * post never reopens, so "all closed" is final. "One is open" may be stale when the row
 * of this post changed after the snapshot (the finishing post kicks this one in the same
 * statement that closes it): then nothing is written for that post (`stale`) and the
 * caller runs it again; the other posts of the batch keep their answer.
 */
export const claimSql = (record: JobRecordSql) => `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[]) WITH ORDINALITY AS i(task_id, org_id, job_id, lease_ms, n)
  ), cur AS (
    SELECT task_id, org_id, job_id, seq, status, next_attempt_at, created_at, xmin::text AS version
    FROM channel_posts
    WHERE (task_id, org_id, job_id) IN (SELECT task_id, org_id, job_id FROM input)
    ORDER BY task_id
    FOR UPDATE
  ), state AS (
    SELECT cur.*, i.n, i.lease_ms,
           cur.version IS DISTINCT FROM (SELECT v.xmin::text FROM channel_posts v WHERE v.task_id = cur.task_id AND v.org_id = cur.org_id) AS stale,
           (SELECT greatest(0, extract(epoch FROM e.next_attempt_at - now()) * 1000)::int
              FROM channel_posts e
             WHERE e.job_id = cur.job_id AND e.org_id = cur.org_id AND e.seq < cur.seq AND e.status IN ('PENDING', 'SENDING')
             ORDER BY e.seq LIMIT 1) AS blocked_for_ms
    FROM cur JOIN input i ON i.task_id = cur.task_id
  ), upd AS (
    UPDATE channel_posts p SET status = 'SENDING', attempts = p.attempts + 1,
           next_attempt_at = now() + s.lease_ms * interval '1 millisecond', updated_at = now()
    FROM state s
    WHERE p.task_id = s.task_id AND p.org_id = s.org_id
      AND s.status IN ('PENDING', 'SENDING') AND s.next_attempt_at <= now() AND s.blocked_for_ms IS NULL
    RETURNING p.task_id, p.job_id, p.org_id, p.seq, p.result, p.is_final, p.attempts, p.created_at
  ), deferred AS (
    UPDATE channel_posts p
       SET next_attempt_at = greatest(p.next_attempt_at,
             now() + least(${MAX_WAIT_MS}, greatest(${MIN_WAIT_MS}, s.blocked_for_ms + 250)) * interval '1 millisecond')
    FROM state s
    WHERE p.task_id = s.task_id AND p.org_id = s.org_id
      AND s.status = 'PENDING' AND s.blocked_for_ms IS NOT NULL AND NOT s.stale
    RETURNING p.task_id
  )
  SELECT s.n, s.status AS previous_status, s.stale, s.blocked_for_ms,
         greatest(0, extract(epoch FROM s.next_attempt_at - now()) * 1000)::int AS due_in_ms,
         ${dueAtMsSql('s.next_attempt_at')} AS due_at_ms,
         s.next_attempt_at = s.created_at AS fresh,
         row_to_json(upd) AS claimed,
         ${record.jobJson({ jobId: 'upd.job_id', orgId: 'upd.org_id' })} AS job,
         -- The ts of the job's earliest delivered post before this one (normally seq 1's): its thread.
         (SELECT r.ts FROM channel_posts r
           WHERE r.job_id = upd.job_id AND r.org_id = upd.org_id AND r.seq < upd.seq AND r.ts IS NOT NULL
           ORDER BY r.seq LIMIT 1) AS thread_ts,
         -- An earlier post of the job whose receiver answered 410 Gone: this one is not sent either.
         (SELECT g.task_id FROM channel_posts g
           WHERE g.job_id = upd.job_id AND g.org_id = upd.org_id AND g.seq < upd.seq AND g.status = 'FAILED'
             AND g.error->>'code' = '${GONE_CODE}'
           ORDER BY g.seq LIMIT 1) AS stopped_by
  FROM state s LEFT JOIN upd ON upd.task_id = s.task_id`;

export interface ClaimRequest {
  orgId: string;
  jobId: string;
  taskId: string;
  leaseMs: number;
}

/** claimSql's row, read by claim(). */
export type ClaimRow = Record<string, any> & { n: string };

export const claimParams = (items: readonly ClaimRequest[]) => columns(items, (c) => c.taskId, (c) => c.orgId, (c) => c.jobId, (c) => c.leaseMs);
