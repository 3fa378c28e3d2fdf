import { columns } from '@app/database';
import type { JobRecordSql } from './job-record.port';
import { deliverySummarySql, postStatsSql } from './outbox.sql';
import { dueAtMsSql } from './post-wakeups';

/**
 * SENDING (or PENDING, for FAILED) -> `status` with the job's delivery summary, a 'delivery'
 * event when `reason` is given, and the job's next post made due when this one is closed.
 * For any number of posts of distinct jobs (arrays, one element per post).
 *
 * The job rows are locked first, in id order (the order finishTask uses), so summaries and
 * events of one job are written one at a time; then, once every job row is held (the
 * gate on `target`), the rows this statement writes (each post and the one after it) in
 * task_id order, the order claimSql locks posts in: no two batches wait on each other in
 * a cycle. The summary is computed from this statement's snapshot of the other posts plus
 * this post as updated. That snapshot may predate the lock: if the job row changed
 * meanwhile (finishTask inserting a post sets jobs.delivery too) its posts may have too,
 * so nothing is written for that job unless its locked row is the one the snapshot holds
 * (`current`); the caller runs that post again, the others of the batch keep their
 * answer. Posts of the job other than this one cannot otherwise change the summary
 * meanwhile: later ones cannot be claimed while this one is open, earlier ones are closed
 * for good. (Two posts of one job in one batch would each miss the other in the summary:
 * the batcher puts them in separate statements.)
 *
 * The job's lock, its summary (deliverySummarySql) and its event are fragments of the
 * library that owns jobs and job_events (`record`, see job-record.port.ts).
 */
export const finishSql = (record: JobRecordSql) => `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::float8[], $8::text[])
      WITH ORDINALITY AS i(job_id, org_id, task_id, status, ts, error, delay_ms, reason, n)
  ), locked AS (${record.lockJobs({ from: 'input', jobId: 'job_id', orgId: 'org_id' })}
  ), mine AS (
    SELECT i.*, c.seq FROM input i JOIN channel_posts c ON c.task_id = i.task_id AND c.org_id = i.org_id AND c.job_id = i.job_id
  ), target AS (
    SELECT t.task_id FROM channel_posts t
    JOIN mine m ON t.job_id = m.job_id AND t.org_id = m.org_id AND t.seq IN (m.seq, m.seq + 1)
    -- Evaluated before the first post row is read: all job rows are locked before any post row.
    WHERE (SELECT count(*) FROM locked) > 0
    ORDER BY t.task_id
    FOR UPDATE OF t
  ), upd AS (
    UPDATE channel_posts p
       SET status = m.status,
           ts = CASE WHEN m.status = 'DELIVERED' THEN m.ts ELSE p.ts END,
           error = CASE WHEN m.status = 'DELIVERED' THEN NULL ELSE m.error END,
           next_attempt_at = now() + coalesce(m.delay_ms, 0) * interval '1 millisecond',
           updated_at = now()
    FROM mine m
    JOIN locked ON locked.id = m.job_id AND locked.org_id = m.org_id
    JOIN target ON target.task_id = m.task_id
    WHERE p.task_id = m.task_id AND p.org_id = m.org_id AND p.job_id = m.job_id AND locked.current
      AND (p.status = 'SENDING' OR (p.status = 'PENDING' AND m.status = 'FAILED'))
    RETURNING m.n, p.task_id, p.job_id, p.org_id, p.seq, p.status, p.attempts, p.ts, p.error, p.next_attempt_at, p.created_at
  ), posts AS (
    SELECT c.job_id, c.org_id, c.seq, c.status, c.attempts, c.ts, c.error
    FROM upd JOIN channel_posts c ON c.job_id = upd.job_id AND c.org_id = upd.org_id AND c.task_id <> upd.task_id
    UNION ALL
    SELECT job_id, org_id, seq, status, attempts, ts, error FROM upd
  ), summary AS (
    ${record.setDelivery({ from: `(${postStatsSql('posts')}) s`, jobId: 's.job_id', orgId: 's.org_id', value: (job) => deliverySummarySql(job, 's') })}
  ), ev AS (
    ${record.insertDeliveryEvents({
      from: 'upd JOIN mine m ON m.n = upd.n JOIN locked ON locked.id = upd.job_id', where: 'm.reason IS NOT NULL',
      jobId: 'upd.job_id', orgId: 'upd.org_id', status: 'locked.status', taskId: 'upd.task_id', reason: 'm.reason',
    })}
  ), nxt AS (
    -- Always rewritten (even when left as is), so that a claim of it that read this post as
    -- open in an older snapshot sees its row changed and runs again (see claimSql).
    UPDATE channel_posts n
       SET next_attempt_at = CASE WHEN n.next_attempt_at = n.created_at THEN n.next_attempt_at ELSE now() END
    FROM upd JOIN target ON true
    WHERE n.task_id = target.task_id AND n.job_id = upd.job_id AND n.org_id = upd.org_id AND n.seq = upd.seq + 1
      AND n.status = 'PENDING' AND upd.status IN ('DELIVERED', 'FAILED')
    RETURNING upd.n, n.task_id, n.job_id, n.org_id, n.next_attempt_at = n.created_at AS fresh, ${dueAtMsSql('n.next_attempt_at')} AS due_at_ms
  )
  SELECT i.n, locked.current, locked.status AS job_status,
         (SELECT json_build_object('seq', seq, 'fresh', next_attempt_at = created_at, 'due_at_ms', ${dueAtMsSql('next_attempt_at')})
            FROM upd WHERE upd.n = i.n) AS post,
         (SELECT json_build_object('task_id', task_id, 'job_id', job_id, 'org_id', org_id, 'fresh', fresh, 'due_at_ms', due_at_ms)
            FROM nxt WHERE nxt.n = i.n) AS next
  FROM input i JOIN locked ON locked.id = i.job_id AND locked.org_id = i.org_id`;

export interface FinishRequest {
  orgId: string;
  jobId: string;
  taskId: string;
  status: 'DELIVERED' | 'FAILED' | 'PENDING' | 'SENDING';
  ts: string | null;
  /** JSON text. */
  error: string | null;
  delayMs: number | null;
  reason: string | null;
}

export const finishParams = (items: readonly FinishRequest[]) => columns(items,
  (f) => f.jobId, (f) => f.orgId, (f) => f.taskId, (f) => f.status, (f) => f.ts, (f) => f.error, (f) => f.delayMs, (f) => f.reason);

export interface FinishRow {
  n: string;
  current: boolean;
  job_status: string;
  post: { seq: number; fresh: boolean; due_at_ms: string } | null;
  next: { task_id: string; job_id: string; org_id: string; fresh: boolean; due_at_ms: string } | null;
}
