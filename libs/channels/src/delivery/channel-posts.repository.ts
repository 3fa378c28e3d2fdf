import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { orderedWalk, preparedQuery, StatementBatcher } from '@app/database';
import { claimParams, ClaimRequest, ClaimRow, claimSql } from './claim-posts.sql';
import { EventsPing } from '@app/queue';
import type { ClaimedPost, DeliveryError, PostJob } from './delivery-types';
import { finishParams, FinishRequest, FinishRow, finishSql } from './finish-posts.sql';
import { JOB_RECORD_SQL, JobRecordSql } from './job-record.port';
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
  | { state: 'claimed'; post: ClaimedPost; job: PostJob; threadTs: string | null; stoppedBy: string | null };

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

/** Tries of a statement whose snapshot turned out older than the row it locked (claim-posts.sql.ts, finish-posts.sql.ts). */
const STALE_TRIES = 3;

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

  private readonly claimStatement: string;
  private readonly finishStatement: string;

  constructor(private readonly db: DataSource, @Inject(JOB_RECORD_SQL) private readonly jobRecord: JobRecordSql, private readonly events: EventsPing) {
    this.claimStatement = claimSql(jobRecord);
    this.finishStatement = finishSql(jobRecord);
  }

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
    return { state: 'claimed', post, job: row!.job as PostJob, threadTs: row!.thread_ts ?? null, stoppedBy: row!.stopped_by ?? null };
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
    return orderedWalk<DuePost>(this.db,
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
    const rows = await preparedQuery<ClaimRow>(this.db, this.claimStatement, claimParams(items));
    return byOrdinal(rows, items.length);
  }

  private async finishMany(items: readonly FinishRequest[]): Promise<Array<FinishRow | undefined>> {
    const rows = await preparedQuery<FinishRow>(this.db, this.finishStatement, finishParams(items));
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
      await em.query(this.jobRecord.lockJob, [item.jobId, item.orgId]);
      const [row] = (await em.query(this.finishStatement, finishParams([item]))) as FinishRow[];
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
