import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { rowsOf } from '../sql-rows';
import type { ClaimedPost, DeliveryError, PostJob } from './delivery-types';

export type Claim =
  | { state: 'missing' }
  | { state: 'done' }
  /** Another attempt holds it (SENDING under its lease) or it is not due yet (for `dueInMs`). */
  | { state: 'busy'; dueInMs: number }
  /** An earlier post of the job is not finished: posts go out in seq order. */
  | { state: 'blocked'; retryInMs: number }
  | { state: 'claimed'; post: ClaimedPost; job: PostJob; threadTs: string | null };

export interface Finished {
  /** The job's status when the post finished (for its event). */
  jobStatus: string;
  /** The job's next post, made due now: enqueue it. */
  next: { task_id: string; job_id: string; org_id: string } | null;
}

export interface DuePost {
  task_id: string;
  job_id: string;
  org_id: string;
  attempts: number;
  next_attempt_at: Date;
}


/**
 * jobs.delivery from the job's posts: PENDING while one is open, else FAILED if one failed,
 * else DELIVERED; ts of the first post; attempts over all posts; the error that matters.
 */
const SUMMARY_SQL = `
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
    FROM channel_posts WHERE job_id = $1 AND org_id = $2
  ) s
  WHERE j.id = $1 AND j.org_id = $2`;

/**
 * The channel_posts outbox. Every change runs in a transaction that first locks the job row
 * (the order finishTask uses too), so the job's delivery summary and its events always
 * agree with its posts. Every statement names the org.
 */
@Injectable()
export class ChannelPostsRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * PENDING (or SENDING whose lease ran out: an interrupted attempt) → SENDING with a lease,
   * attempts + 1, unless an earlier post of the job is still open.
   */
  claim(orgId: string, jobId: string, taskId: string, leaseMs: number): Promise<Claim> {
    return this.db.transaction(async (em) => {
      const [job] = await em.query(
        `SELECT id, org_id, job_type_id, status, target_channel FROM jobs WHERE id = $1 AND org_id = $2 FOR UPDATE`,
        [jobId, orgId],
      );
      if (!job) return { state: 'missing' as const };
      const [row] = await em.query(
        `WITH cur AS (
           SELECT task_id, job_id, seq, status, next_attempt_at FROM channel_posts
           WHERE task_id = $1 AND org_id = $2 AND job_id = $3 FOR UPDATE
         ), blocker AS (
           SELECT e.next_attempt_at FROM channel_posts e, cur
           WHERE e.job_id = cur.job_id AND e.org_id = $2 AND e.seq < cur.seq AND e.status IN ('PENDING', 'SENDING')
           ORDER BY e.seq LIMIT 1
         ), upd AS (
           UPDATE channel_posts p SET status = 'SENDING', attempts = p.attempts + 1,
                  next_attempt_at = now() + $4 * interval '1 millisecond', updated_at = now()
           FROM cur
           WHERE p.task_id = cur.task_id AND cur.status IN ('PENDING', 'SENDING')
             AND cur.next_attempt_at <= now()
             AND NOT EXISTS (SELECT 1 FROM blocker)
           RETURNING p.task_id, p.job_id, p.org_id, p.seq, p.result, p.is_final, p.attempts, p.created_at
         )
         SELECT cur.status AS previous_status,
                greatest(0, extract(epoch FROM cur.next_attempt_at - now()) * 1000)::int AS due_in_ms,
                (SELECT greatest(0, extract(epoch FROM next_attempt_at - now()) * 1000)::int FROM blocker) AS blocked_for_ms,
                (SELECT row_to_json(upd) FROM upd) AS claimed
         FROM cur`,
        [taskId, orgId, jobId, leaseMs],
      );
      if (!row) return { state: 'missing' as const };
      if (row.previous_status === 'DELIVERED' || row.previous_status === 'FAILED') return { state: 'done' as const };
      if (row.blocked_for_ms !== null) return { state: 'blocked' as const, retryInMs: row.blocked_for_ms };
      if (!row.claimed) return { state: 'busy' as const, dueInMs: row.due_in_ms };
      await em.query(SUMMARY_SQL, [jobId, orgId]);
      const post: ClaimedPost = { ...row.claimed, created_at: new Date(row.claimed.created_at), resumed: row.previous_status === 'SENDING' };
      return { state: 'claimed' as const, post, job: job as PostJob, threadTs: await this.threadRoot(em, orgId, jobId, post.seq) };
    });
  }

  /** SENDING → DELIVERED, with the job's summary and a 'delivery' event. */
  delivered(orgId: string, jobId: string, taskId: string, ts: string | null, reason: string): Promise<Finished | null> {
    return this.finish(orgId, jobId, taskId, reason, async (em) =>
      rowsOf(await em.query(
        `UPDATE channel_posts SET status = 'DELIVERED', ts = $3, error = NULL, next_attempt_at = now(), updated_at = now()
         WHERE task_id = $1 AND org_id = $2 AND status = 'SENDING' RETURNING seq`,
        [taskId, orgId, ts],
      )),
    );
  }

  /** → FAILED for good, with the job's summary and a 'delivery' event. */
  failed(orgId: string, jobId: string, taskId: string, error: DeliveryError, reason: string): Promise<Finished | null> {
    return this.finish(orgId, jobId, taskId, reason, async (em) =>
      rowsOf(await em.query(
        `UPDATE channel_posts SET status = 'FAILED', error = $3::jsonb, next_attempt_at = now(), updated_at = now()
         WHERE task_id = $1 AND org_id = $2 AND status IN ('PENDING', 'SENDING') RETURNING seq`,
        [taskId, orgId, JSON.stringify(error)],
      )),
    );
  }

  /** SENDING → `status` (SENDING when the platform may have acted), due again in `delayMs`. */
  async retryLater(orgId: string, jobId: string, taskId: string, status: 'PENDING' | 'SENDING', delayMs: number, error: DeliveryError): Promise<boolean> {
    return this.db.transaction(async (em) => {
      await em.query(`SELECT id FROM jobs WHERE id = $1 AND org_id = $2 FOR UPDATE`, [jobId, orgId]);
      const rows = rowsOf(await em.query(
        `UPDATE channel_posts SET status = $3, error = $4::jsonb, next_attempt_at = now() + $5 * interval '1 millisecond', updated_at = now()
         WHERE task_id = $1 AND org_id = $2 AND status = 'SENDING' RETURNING seq`,
        [taskId, orgId, status, JSON.stringify(error), delayMs],
      ));
      if (rows.length) await em.query(SUMMARY_SQL, [jobId, orgId]);
      return rows.length > 0;
    });
  }

  /** A post waiting for earlier ones: not due before `delayMs` (keeps the reconciler from re-enqueueing it meanwhile). */
  async defer(orgId: string, taskId: string, delayMs: number): Promise<void> {
    await this.db.query(
      `UPDATE channel_posts SET next_attempt_at = greatest(next_attempt_at, now() + $3 * interval '1 millisecond')
       WHERE task_id = $1 AND org_id = $2 AND status = 'PENDING'`,
      [taskId, orgId, delayMs],
    );
  }

  /**
   * Open posts that are due and not being handled (the reconciler's scan, over every org: it
   * only hands each post, with its org, back to the queue). `graceMs` leaves the queue time to do it itself.
   */
  async due(graceMs: number, limit: number): Promise<DuePost[]> {
    return this.db.query(
      `SELECT task_id, job_id, org_id, attempts, next_attempt_at FROM channel_posts
       WHERE status IN ('PENDING', 'SENDING') AND next_attempt_at <= now() - $1 * interval '1 millisecond'
       ORDER BY next_attempt_at LIMIT $2`,
      [graceMs, limit],
    );
  }

  private finish(
    orgId: string, jobId: string, taskId: string, reason: string,
    change: (em: EntityManager) => Promise<Array<{ seq: number }>>,
  ): Promise<Finished | null> {
    return this.db.transaction(async (em) => {
      const [job] = await em.query(`SELECT status FROM jobs WHERE id = $1 AND org_id = $2 FOR UPDATE`, [jobId, orgId]);
      if (!job) return null;
      const [post] = await change(em);
      if (!post) return null;
      await em.query(SUMMARY_SQL, [jobId, orgId]);
      await em.query(
        `INSERT INTO job_events (job_id, org_id, from_status, to_status, actor, reason, task_id, dispatched)
         VALUES ($1, $2, $3, $3, 'delivery', $4, $5, true)`,
        [jobId, orgId, job.status, reason.slice(0, 500), taskId],
      );
      const [next] = rowsOf<{ task_id: string; job_id: string; org_id: string }>(await em.query(
        `UPDATE channel_posts SET next_attempt_at = now()
         WHERE job_id = $1 AND org_id = $2 AND seq = $3 AND status = 'PENDING'
         RETURNING task_id, job_id, org_id`,
        [jobId, orgId, post.seq + 1],
      ));
      return { jobStatus: job.status, next: next ?? null };
    });
  }

  /** The ts of the job's earliest delivered post before `seq` (normally seq 1's). */
  private async threadRoot(em: EntityManager, orgId: string, jobId: string, seq: number): Promise<string | null> {
    if (seq <= 1) return null;
    const [root] = await em.query(
      `SELECT ts FROM channel_posts WHERE job_id = $1 AND org_id = $2 AND seq < $3 AND ts IS NOT NULL ORDER BY seq LIMIT 1`,
      [jobId, orgId, seq],
    );
    return root?.ts ?? null;
  }
}
