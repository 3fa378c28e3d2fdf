import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { columns, preparedQuery, StatementBatcher } from '@app/database';
import { EventsPing } from '@app/queue';
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
 * For any number of posts (arrays, one element per post; `n` tells them apart in the
 * answer). Post rows are locked in task_id order, the order FINISH_SQL locks them in, so
 * two batches never wait on each other in a cycle.
 *
 * No job lock: whether earlier posts are open is read in the statement's snapshot, and a
 * post never reopens, so "all closed" is final. "One is open" may be stale when the row
 * of this post changed after the snapshot (the finishing post kicks this one in the same
 * statement that closes it): then nothing is written for that post (`stale`) and the
 * caller runs it again; the other posts of the batch keep their answer.
 */
const CLAIM_SQL = `
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
         (SELECT row_to_json(j) FROM (
            SELECT id, org_id, job_type_id, status, target_channel FROM jobs WHERE id = upd.job_id AND org_id = upd.org_id) j) AS job,
         -- The ts of the job's earliest delivered post before this one (normally seq 1's): its thread.
         (SELECT r.ts FROM channel_posts r
           WHERE r.job_id = upd.job_id AND r.org_id = upd.org_id AND r.seq < upd.seq AND r.ts IS NOT NULL
           ORDER BY r.seq LIMIT 1) AS thread_ts
  FROM state s LEFT JOIN upd ON upd.task_id = s.task_id`;

/**
 * SENDING (or PENDING, for FAILED) -> `status` with the job's delivery summary, a 'delivery'
 * event when `reason` is given, and the job's next post made due when this one is closed.
 * For any number of posts of distinct jobs (arrays, one element per post).
 *
 * The job rows are locked first, in id order (the order finishTask uses), so summaries and
 * events of one job are written one at a time; then, once every job row is held (the
 * gate on `target`), the rows this statement writes (each post and the one after it) in
 * task_id order, the order CLAIM_SQL locks posts in: no two batches wait on each other in
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
 * jobs.delivery: PENDING while a post is open, else FAILED if one failed, else DELIVERED;
 * ts of the first post; attempts over all posts; the error that matters.
 */
const FINISH_SQL = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::float8[], $8::text[])
      WITH ORDINALITY AS i(job_id, org_id, task_id, status, ts, error, delay_ms, reason, n)
  ), job AS (
    SELECT id, org_id, status, xmin::text AS version FROM jobs
    WHERE (id, org_id) IN (SELECT job_id, org_id FROM input)
    ORDER BY id
    FOR UPDATE
  ), locked AS (
    SELECT job.*, job.version = (SELECT v.xmin::text FROM jobs v WHERE v.id = job.id AND v.org_id = job.org_id) AS current FROM job
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
    UPDATE jobs j SET delivery = jsonb_build_object(
      'status', CASE WHEN s.open > 0 THEN 'PENDING' WHEN s.failed > 0 THEN 'FAILED' ELSE 'DELIVERED' END,
      'platform', j.target_channel->>'platform',
      'channel', j.target_channel->>'code',
      'ts', s.first_ts,
      'attempts', s.attempts,
      'error', coalesce(s.failed_error, s.open_error))
    FROM (
      SELECT job_id, org_id,
             count(*) FILTER (WHERE status IN ('PENDING', 'SENDING')) AS open,
             count(*) FILTER (WHERE status = 'FAILED') AS failed,
             coalesce(sum(attempts), 0)::int AS attempts,
             (array_agg(ts ORDER BY seq) FILTER (WHERE ts IS NOT NULL))[1] AS first_ts,
             (array_agg(error ORDER BY seq) FILTER (WHERE status = 'FAILED'))[1] AS failed_error,
             (array_agg(error ORDER BY seq) FILTER (WHERE status IN ('PENDING', 'SENDING') AND error IS NOT NULL))[1] AS open_error
      FROM posts GROUP BY job_id, org_id
    ) s
    WHERE j.id = s.job_id AND j.org_id = s.org_id
  ), ev AS (
    INSERT INTO job_events (job_id, org_id, from_status, to_status, actor, reason, task_id, dispatched, kind)
    SELECT upd.job_id, upd.org_id, locked.status, locked.status, 'delivery', left(m.reason, 500), upd.task_id, true, 'delivery'
    FROM upd JOIN mine m ON m.n = upd.n JOIN locked ON locked.id = upd.job_id
    WHERE m.reason IS NOT NULL
  ), nxt AS (
    -- Always rewritten (even when left as is), so that a claim of it that read this post as
    -- open in an older snapshot sees its row changed and runs again (see CLAIM_SQL).
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

/** Runs FINISH_SQL once its snapshot is known to be current: after the job lock, in a transaction. */
const LOCK_JOB_SQL = `SELECT id FROM jobs WHERE id = $1 AND org_id = $2 FOR UPDATE`;

interface ClaimRequest {
  orgId: string;
  jobId: string;
  taskId: string;
  leaseMs: number;
}

interface FinishRequest {
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

const finishParams = (items: readonly FinishRequest[]) => columns(items,
  (f) => f.jobId, (f) => f.orgId, (f) => f.taskId, (f) => f.status, (f) => f.ts, (f) => f.error, (f) => f.delayMs, (f) => f.reason);

/** CLAIM_SQL's row, read by claim(). */
type ClaimRow = Record<string, any> & { n: string };

interface FinishRow {
  n: string;
  current: boolean;
  job_status: string;
  post: { seq: number; fresh: boolean; due_at_ms: string } | null;
  next: { task_id: string; job_id: string; org_id: string; fresh: boolean; due_at_ms: string } | null;
}

/**
 * The channel_posts outbox. Each operation is one statement (no transaction held across
 * round trips), which claims or finishes of other posts arriving in the same turn of the
 * event loop share (StatementBatcher); every statement names the org. Changes that touch the job's summary lock
 * the job row first (the order finishTask uses), so the job's delivery summary and its
 * events always agree with its posts.
 */
@Injectable()
export class ChannelPostsRepository {
  // Posts claimed or finished side by side (a worker runs DELIVERY_CONCURRENCY at once) share one statement each.
  // Never in one statement: the same post twice (two wakeups at once: claimed once, reported to
  // both), or two posts of one job (each summary would miss the other). The later one goes
  // in a following statement, after the first committed.
  private readonly claims = new StatementBatcher<ClaimRequest, ClaimRow | undefined>((items) => this.claimMany(items), { conflictKey: (c) => c.taskId });
  private readonly finishes = new StatementBatcher<FinishRequest, FinishRow | undefined>((items) => this.finishMany(items), { conflictKey: (f) => f.jobId });

  constructor(private readonly db: DataSource, private readonly events: EventsPing) {}

  async claim(orgId: string, jobId: string, taskId: string, leaseMs: number): Promise<Claim> {
    let row: ClaimRow | undefined;
    for (let i = 0; i < STALE_TRIES; i++) {
      row = await this.claims.run({ orgId, jobId, taskId, leaseMs });
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
    return this.finished(await this.finish({ orgId, jobId, taskId, status: 'DELIVERED', ts, error: null, delayMs: null, reason }));
  }

  /** -> FAILED for good, with the job's summary and a 'delivery' event. */
  async failed(orgId: string, jobId: string, taskId: string, error: DeliveryError, reason: string): Promise<Finished | null> {
    return this.finished(await this.finish({ orgId, jobId, taskId, status: 'FAILED', ts: null, error: JSON.stringify(error), delayMs: null, reason }));
  }

  /** SENDING -> `status` (SENDING when the platform may have acted), due again in `delayMs`, with the job's summary. */
  async retryLater(
    orgId: string, jobId: string, taskId: string, status: 'PENDING' | 'SENDING', delayMs: number, error: DeliveryError,
  ): Promise<Retried | null> {
    const row = await this.finish({ orgId, jobId, taskId, status, ts: null, error: JSON.stringify(error), delayMs, reason: null });
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

  private async claimMany(items: readonly ClaimRequest[]): Promise<Array<ClaimRow | undefined>> {
    const rows = await preparedQuery<ClaimRow>(this.db, CLAIM_SQL, columns(items, (c) => c.taskId, (c) => c.orgId, (c) => c.jobId, (c) => c.leaseMs));
    return byOrdinal(rows, items.length);
  }

  private async finishMany(items: readonly FinishRequest[]): Promise<Array<FinishRow | undefined>> {
    const rows = await preparedQuery<FinishRow>(this.db, FINISH_SQL, finishParams(items));
    if (items.some((f) => f.reason !== null)) this.events.written();
    return byOrdinal(rows, items.length);
  }

  private async finish(item: FinishRequest): Promise<FinishRow | null> {
    for (let i = 0; i < STALE_TRIES; i++) {
      const row = await this.finishes.run(item);
      if (!row) return null;
      if (row.current) return row;
    }
    // The job row kept changing under us: take its lock first, so the statement's snapshot is current.
    const locked = await this.db.transaction(async (em) => {
      await em.query(LOCK_JOB_SQL, [item.jobId, item.orgId]);
      const [row] = (await em.query(FINISH_SQL, finishParams([item]))) as FinishRow[];
      return row ?? null;
    });
    if (item.reason !== null) this.events.written();
    return locked;
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

/** The statement's rows in input order (`n`: the element's ordinality, bigint as text); undefined where none came back. */
function byOrdinal<T extends { n: string }>(rows: T[], count: number): Array<T | undefined> {
  const out = new Array<T | undefined>(count).fill(undefined);
  for (const r of rows) out[Number(r.n) - 1] = r;
  return out;
}
