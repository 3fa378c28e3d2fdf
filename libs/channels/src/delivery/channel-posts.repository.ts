import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { preparedQuery } from '@app/database';
import type { ClaimedPost, DeliveryError, PostJob } from './delivery-types';
import { dueAtMsSql, PostDue } from './post-wakeups';

export type Claim =
  | { state: 'missing' }
  | { state: 'done' }
  /** Another attempt holds it (SENDING under its lease) or it is not due yet (for `dueInMs`). */
  | { state: 'busy'; dueInMs: number; due: PostDue }
  /**
   * An earlier post of the job is not finished: posts go out in seq order. The post was made
   * due about when that one is (it kicks this one when it finishes).
   */
  | { state: 'blocked' }
  | { state: 'claimed'; post: ClaimedPost; job: PostJob; threadTs: string | null };

export interface Finished {
  /** The job's status when the post finished (for its event). */
  jobStatus: string;
  /**
   * The job's next post, when it had been handed back (waiting for this one) and is now made
   * due: enqueue it for `due`. A next post never handed back still has its first run queued.
   */
  next: { task_id: string; job_id: string; org_id: string; due: PostDue } | null;
}

export interface Retried {
  /** When the post is due again, for the wakeup's id. */
  due: PostDue;
}

export interface DuePost extends PostDue {
  task_id: string;
  job_id: string;
  org_id: string;
  attempts: number;
  next_attempt_at: Date;
  /** next_attempt_at as Postgres text (microseconds): the scan's keyset. */
  next_attempt_key: string;
}

/** A blocked post waits about until the post blocking it is due again, within these bounds. */
const MIN_WAIT_MS = 500;
const MAX_WAIT_MS = 60_000;
/** Tries of a statement whose snapshot turned out older than the row it locked (see below). */
const STALE_TRIES = 3;

/**
 * PENDING (or SENDING whose lease ran out: an interrupted attempt) -> SENDING with a lease,
 * attempts + 1, unless an earlier post of the job is still open; then it is deferred
 * instead. Does not touch the jobs row: the summary says PENDING from the post's insert
 * (finishTask) and counts the attempt when its outcome is recorded.
 *
 * No job lock: whether earlier posts are open is read in the statement's snapshot, and a
 * post never reopens, so "all closed" is final. "One is open" may be stale when the row
 * of this post changed after the snapshot (the finishing post kicks this one in the same
 * statement that closes it): then nothing is written (`stale`) and the caller runs it again.
 */
const CLAIM_SQL = `
  WITH cur AS (
    SELECT task_id, seq, status, next_attempt_at, created_at, xmin::text AS version
    FROM channel_posts
    WHERE task_id = $1::text AND org_id = $2::text AND job_id = $3::text
    FOR UPDATE
  ), state AS (
    SELECT cur.*,
           cur.version IS DISTINCT FROM (SELECT xmin::text FROM channel_posts WHERE task_id = $1::text AND org_id = $2::text) AS stale,
           (SELECT greatest(0, extract(epoch FROM e.next_attempt_at - now()) * 1000)::int
              FROM channel_posts e
             WHERE e.job_id = $3::text AND e.org_id = $2::text AND e.seq < cur.seq AND e.status IN ('PENDING', 'SENDING')
             ORDER BY e.seq LIMIT 1) AS blocked_for_ms
    FROM cur
  ), upd AS (
    UPDATE channel_posts p SET status = 'SENDING', attempts = p.attempts + 1,
           next_attempt_at = now() + $4::float8 * interval '1 millisecond', updated_at = now()
    FROM state s
    WHERE p.task_id = s.task_id AND p.org_id = $2::text
      AND s.status IN ('PENDING', 'SENDING') AND s.next_attempt_at <= now() AND s.blocked_for_ms IS NULL
    RETURNING p.task_id, p.job_id, p.org_id, p.seq, p.result, p.is_final, p.attempts, p.created_at
  ), deferred AS (
    UPDATE channel_posts p
       SET next_attempt_at = greatest(p.next_attempt_at,
             now() + least(${MAX_WAIT_MS}, greatest(${MIN_WAIT_MS}, s.blocked_for_ms + 250)) * interval '1 millisecond')
    FROM state s
    WHERE p.task_id = s.task_id AND p.org_id = $2::text
      AND s.status = 'PENDING' AND s.blocked_for_ms IS NOT NULL AND NOT s.stale
    RETURNING p.task_id
  )
  SELECT s.status AS previous_status, s.stale, s.blocked_for_ms,
         greatest(0, extract(epoch FROM s.next_attempt_at - now()) * 1000)::int AS due_in_ms,
         ${dueAtMsSql('s.next_attempt_at')} AS due_at_ms,
         s.next_attempt_at = s.created_at AS fresh,
         c.claimed, c.job, c.thread_ts
  FROM state s
  LEFT JOIN LATERAL (
    SELECT row_to_json(upd) AS claimed,
           (SELECT row_to_json(j) FROM (
              SELECT id, org_id, job_type_id, status, target_channel FROM jobs WHERE id = $3::text AND org_id = $2::text) j) AS job,
           -- The ts of the job's earliest delivered post before this one (normally seq 1's): its thread.
           (SELECT r.ts FROM channel_posts r
             WHERE r.job_id = $3::text AND r.org_id = $2::text AND r.seq < upd.seq AND r.ts IS NOT NULL
             ORDER BY r.seq LIMIT 1) AS thread_ts
    FROM upd
  ) c ON true`;

/**
 * SENDING (or PENDING, for FAILED) -> $4 with the job's delivery summary, a 'delivery' event
 * when $8 (reason) is given, and the job's next post made due when this one is closed.
 *
 * The job row is locked first (the order finishTask uses), so summaries and events of one
 * job are written one at a time. The summary is computed from this statement's snapshot of
 * the other posts plus this post as updated. That snapshot may predate the lock: if the
 * job row changed meanwhile (finishTask inserting a post sets jobs.delivery too) its
 * posts may have too, so nothing is written unless the locked job row is the one the
 * snapshot holds (`current`); the caller runs the statement again. Posts of the job other
 * than this one cannot otherwise change the summary meanwhile: later ones cannot be
 * claimed while this one is open, earlier ones are closed for good.
 *
 * jobs.delivery: PENDING while a post is open, else FAILED if one failed, else DELIVERED;
 * ts of the first post; attempts over all posts; the error that matters.
 */
const FINISH_SQL = `
  WITH job AS (
    SELECT id, status, xmin::text AS version FROM jobs WHERE id = $1::text AND org_id = $2::text FOR UPDATE
  ), locked AS (
    SELECT job.*, job.version = (SELECT xmin::text FROM jobs WHERE id = $1::text AND org_id = $2::text) AS current FROM job
  ), upd AS (
    UPDATE channel_posts p
       SET status = $4::text,
           ts = CASE WHEN $4::text = 'DELIVERED' THEN $5::text ELSE p.ts END,
           error = CASE WHEN $4::text = 'DELIVERED' THEN NULL ELSE $6::jsonb END,
           next_attempt_at = now() + coalesce($7::float8, 0) * interval '1 millisecond',
           updated_at = now()
    FROM locked
    WHERE p.task_id = $3::text AND p.org_id = $2::text AND p.job_id = locked.id AND locked.current
      AND (p.status = 'SENDING' OR (p.status = 'PENDING' AND $4::text = 'FAILED'))
    RETURNING p.seq, p.status, p.attempts, p.ts, p.error, p.next_attempt_at, p.created_at
  ), posts AS (
    SELECT seq, status, attempts, ts, error FROM channel_posts WHERE job_id = $1::text AND org_id = $2::text AND task_id <> $3::text
    UNION ALL
    SELECT seq, status, attempts, ts, error FROM upd
  ), summary AS (
    UPDATE jobs j SET delivery = jsonb_build_object(
      'status', CASE WHEN s.open > 0 THEN 'PENDING' WHEN s.failed > 0 THEN 'FAILED' ELSE 'DELIVERED' END,
      'platform', j.target_channel->>'platform',
      'channel', j.target_channel->>'code',
      'ts', s.first_ts,
      'attempts', s.attempts,
      'error', coalesce(s.failed_error, s.open_error))
    FROM (
      SELECT count(*) FILTER (WHERE status IN ('PENDING', 'SENDING')) AS open,
             count(*) FILTER (WHERE status = 'FAILED') AS failed,
             coalesce(sum(attempts), 0)::int AS attempts,
             (array_agg(ts ORDER BY seq) FILTER (WHERE ts IS NOT NULL))[1] AS first_ts,
             (array_agg(error ORDER BY seq) FILTER (WHERE status = 'FAILED'))[1] AS failed_error,
             (array_agg(error ORDER BY seq) FILTER (WHERE status IN ('PENDING', 'SENDING') AND error IS NOT NULL))[1] AS open_error
      FROM posts
    ) s
    WHERE j.id = $1::text AND j.org_id = $2::text AND EXISTS (SELECT 1 FROM upd)
  ), ev AS (
    INSERT INTO job_events (job_id, org_id, from_status, to_status, actor, reason, task_id, dispatched)
    SELECT $1::text, $2::text, locked.status, locked.status, 'delivery', left($8::text, 500), $3::text, true
    FROM locked, upd WHERE $8::text IS NOT NULL
  ), nxt AS (
    -- Always rewritten (even when left as is), so that a claim of it that read this post as
    -- open in an older snapshot sees its row changed and runs again (see CLAIM_SQL).
    UPDATE channel_posts n
       SET next_attempt_at = CASE WHEN n.next_attempt_at = n.created_at THEN n.next_attempt_at ELSE now() END
    FROM upd
    WHERE n.job_id = $1::text AND n.org_id = $2::text AND n.seq = upd.seq + 1 AND n.status = 'PENDING'
      AND upd.status IN ('DELIVERED', 'FAILED')
    RETURNING n.task_id, n.job_id, n.org_id, n.next_attempt_at = n.created_at AS fresh, ${dueAtMsSql('n.next_attempt_at')} AS due_at_ms
  )
  SELECT locked.current, locked.status AS job_status,
         (SELECT json_build_object('seq', seq, 'fresh', next_attempt_at = created_at, 'due_at_ms', ${dueAtMsSql('next_attempt_at')}) FROM upd) AS post,
         (SELECT row_to_json(nxt) FROM nxt) AS next
  FROM locked`;

/** Runs FINISH_SQL once its snapshot is known to be current: after the job lock, in a transaction. */
const LOCK_JOB_SQL = `SELECT id FROM jobs WHERE id = $1 AND org_id = $2 FOR UPDATE`;

interface FinishRow {
  current: boolean;
  job_status: string;
  post: { seq: number; fresh: boolean; due_at_ms: string } | null;
  next: { task_id: string; job_id: string; org_id: string; fresh: boolean; due_at_ms: string } | null;
}

/**
 * The channel_posts outbox. Each operation is one statement (no transaction held across
 * round trips); every statement names the org. Changes that touch the job's summary lock
 * the job row first (the order finishTask uses), so the job's delivery summary and its
 * events always agree with its posts.
 */
@Injectable()
export class ChannelPostsRepository {
  constructor(private readonly db: DataSource) {}

  async claim(orgId: string, jobId: string, taskId: string, leaseMs: number): Promise<Claim> {
    let row: Record<string, any> | undefined;
    for (let i = 0; i < STALE_TRIES; i++) {
      [row] = await preparedQuery<Record<string, any>>(this.db, CLAIM_SQL, [taskId, orgId, jobId, leaseMs]);
      if (!row) return { state: 'missing' };
      if (!(row.stale && row.blocked_for_ms !== null && !row.claimed)) break;
    }
    if (row!.previous_status === 'DELIVERED' || row!.previous_status === 'FAILED') return { state: 'done' };
    // Still stale after the tries (its row keeps changing): blocked, not deferred; the reconciler comes back to it.
    if (row!.blocked_for_ms !== null) return { state: 'blocked' };
    if (!row!.claimed) return { state: 'busy', dueInMs: row!.due_in_ms, due: { task_id: taskId, fresh: row!.fresh, due_at_ms: row!.due_at_ms } };
    if (!row!.job) return { state: 'missing' };
    const post: ClaimedPost = { ...row!.claimed, created_at: new Date(row!.claimed.created_at), resumed: row!.previous_status === 'SENDING' };
    return { state: 'claimed', post, job: row!.job as PostJob, threadTs: row!.thread_ts ?? null };
  }

  /** SENDING -> DELIVERED, with the job's summary and a 'delivery' event. */
  async delivered(orgId: string, jobId: string, taskId: string, ts: string | null, reason: string): Promise<Finished | null> {
    return this.finished(await this.finish([jobId, orgId, taskId, 'DELIVERED', ts, null, null, reason]));
  }

  /** -> FAILED for good, with the job's summary and a 'delivery' event. */
  async failed(orgId: string, jobId: string, taskId: string, error: DeliveryError, reason: string): Promise<Finished | null> {
    return this.finished(await this.finish([jobId, orgId, taskId, 'FAILED', null, JSON.stringify(error), null, reason]));
  }

  /** SENDING -> `status` (SENDING when the platform may have acted), due again in `delayMs`, with the job's summary. */
  async retryLater(
    orgId: string, jobId: string, taskId: string, status: 'PENDING' | 'SENDING', delayMs: number, error: DeliveryError,
  ): Promise<Retried | null> {
    const row = await this.finish([jobId, orgId, taskId, status, null, JSON.stringify(error), delayMs, null]);
    if (!row?.post) return null;
    return { due: { task_id: taskId, fresh: row.post.fresh, due_at_ms: row.post.due_at_ms } };
  }

  /**
   * Open posts that are due and not being handled, in (next_attempt_at, task_id) order from
   * `after` (the reconciler's scan, over every org: it only hands each post, with its org,
   * back to the queue). `graceMs` leaves the queue time to do it itself.
   */
  async due(graceMs: number, limit: number, after: { key: string; taskId: string } | null = null): Promise<DuePost[]> {
    return preparedQuery<DuePost>(this.db,
      `SELECT task_id, job_id, org_id, attempts, next_attempt_at, next_attempt_at::text AS next_attempt_key,
              next_attempt_at = created_at AS fresh, ${dueAtMsSql('next_attempt_at')} AS due_at_ms
       FROM channel_posts
       WHERE status IN ('PENDING', 'SENDING') AND next_attempt_at <= now() - $1::float8 * interval '1 millisecond'
         AND ($3::timestamptz IS NULL OR next_attempt_at > $3::timestamptz OR (next_attempt_at = $3::timestamptz AND task_id > $4::text))
       ORDER BY next_attempt_at, task_id LIMIT $2::int`,
      [graceMs, limit, after?.key ?? null, after?.taskId ?? null],
    );
  }

  private async finish(values: unknown[]): Promise<FinishRow | null> {
    for (let i = 0; i < STALE_TRIES; i++) {
      const [row] = await preparedQuery<FinishRow>(this.db, FINISH_SQL, values);
      if (!row) return null;
      if (row.current) return row;
    }
    // The job row kept changing under us: take its lock first, so the statement's snapshot is current.
    return this.db.transaction(async (em) => {
      await em.query(LOCK_JOB_SQL, [values[0], values[1]]);
      const [row] = (await em.query(FINISH_SQL, values)) as FinishRow[];
      return row ?? null;
    });
  }

  private finished(row: FinishRow | null): Finished | null {
    if (!row?.post) return null;
    const n = row.next;
    return {
      jobStatus: row.job_status,
      // A next post never handed back has its first run queued (or the reconciler restores it).
      next: n && !n.fresh ? { task_id: n.task_id, job_id: n.job_id, org_id: n.org_id, due: { task_id: n.task_id, fresh: n.fresh, due_at_ms: n.due_at_ms } } : null,
    };
  }
}
