import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { orderedWalk } from '@app/database';
import type { AttemptRow, DeliveryRow, DeliveryStatus } from '../delivery-types';

export interface AttemptOutcome {
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

export interface StartedAttempt {
  delivery: DeliveryRow;
  attemptId: string;
  attemptNo: number;
}

export interface NewDelivery {
  id: string;
  org_id: string;
  job_id: string;
  event_type: string;
  target: string;
  url: string;
  payload: object;
  status: Extract<DeliveryStatus, 'PENDING' | 'STOPPED'>;
  last_error: string | null;
}

const LOST_ATTEMPT = 'no outcome recorded: the worker stopped during this attempt';

/**
 * webhook_deliveries and webhook_attempts. (UPDATE ... RETURNING sits in a CTE: TypeORM answers a
 * bare UPDATE with [rows, affected] rather than the rows.) Every change of a delivery is conditional on
 * what the caller saw (status PENDING, the automatic attempt count), so a Bull job that runs
 * twice, a late worker or a manual redelivery racing a retry cannot double-apply an outcome.
 * Every query names the org, but the worker's: the dispatcher's (its events are of all orgs),
 * an attempt's outcome (by the attempt's id, which its delivery's org claimed) and the
 * reconciler's scan of all orgs.
 */
@Injectable()
export class DeliveriesRepository {
  constructor(private readonly db: DataSource) {}

  /** Inserts planned deliveries, of all orgs (inside the dispatcher's transaction; each row carries its org). */
  async insert(em: EntityManager, rows: NewDelivery[]): Promise<void> {
    if (!rows.length) return;
    await em.query(
      `INSERT INTO webhook_deliveries (id, org_id, job_id, event_type, target, url, payload, status, next_attempt_at, last_error)
       SELECT x.id, x.org_id, x.job_id, x.event_type, x.target, x.url, x.payload, x.status,
              CASE WHEN x.status = 'PENDING' THEN now() END, x.last_error
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, org_id text, job_id text, event_type text, target text,
                                                url text, payload jsonb, status text, last_error text)`,
      [JSON.stringify(rows)],
    );
  }

  /** (job, url) pairs among `jobIds` (of all orgs: the dispatcher's batch) that a receiver stopped with 410 Gone. */
  async stoppedUrls(em: EntityManager, jobIds: string[]): Promise<Set<string>> {
    if (!jobIds.length) return new Set();
    const rows: Array<{ job_id: string; url: string }> = await em.query(
      `SELECT DISTINCT job_id, url FROM webhook_deliveries WHERE job_id = ANY($1) AND status = 'STOPPED'`,
      [jobIds],
    );
    return new Set(rows.map((r) => stopKey(r.job_id, r.url)));
  }

  /**
   * Automatic attempt `attemptNo`: only when the delivery is PENDING with attemptNo - 1
   * attempts made. Counts the attempt, leases the delivery for the attempt's duration (the
   * reconciler leaves it alone meanwhile) and logs the attempt row. Null: stale or duplicate.
   */
  async startAutomatic(orgId: string, deliveryId: string, attemptNo: number, leaseMs: number): Promise<StartedAttempt | null> {
    return this.db.transaction(async (em) => {
      const [delivery]: DeliveryRow[] = await em.query(
        `WITH u AS (
           UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = now() + $4 * interval '1 millisecond', updated_at = now()
           WHERE id = $1 AND org_id = $2 AND status = 'PENDING' AND attempts = $3 - 1
           RETURNING *
         ) SELECT * FROM u`,
        [deliveryId, orgId, attemptNo, leaseMs],
      );
      if (!delivery) return null;
      const started = await this.logAttempt(em, delivery, false);
      return { ...started, delivery };
    });
  }

  /** A manual attempt of a delivery of `jobId` (any status). Null: no such delivery. */
  async startManual(orgId: string, jobId: string, deliveryId: string): Promise<StartedAttempt | null> {
    return this.db.transaction(async (em) => {
      const [delivery]: DeliveryRow[] = await em.query(
        `SELECT * FROM webhook_deliveries WHERE id = $1 AND job_id = $2 AND org_id = $3 FOR UPDATE`,
        [deliveryId, jobId, orgId],
      );
      if (!delivery) return null;
      const started = await this.logAttempt(em, delivery, true);
      return { ...started, delivery };
    });
  }

  /**
   * Attempt rows are numbered in order within their delivery, automatic and manual alike.
   * The caller holds the delivery's row lock, so the numbering cannot race.
   */
  private async logAttempt(em: EntityManager, delivery: DeliveryRow, manual: boolean) {
    if (!manual) {
      await em.query(
        `UPDATE webhook_attempts SET error = $2 WHERE delivery_id = $1 AND NOT manual AND duration_ms IS NULL AND error IS NULL`,
        [delivery.id, LOST_ATTEMPT],
      );
    }
    const [row]: Array<{ id: string; attempt: number }> = await em.query(
      `INSERT INTO webhook_attempts (delivery_id, attempt, manual)
       SELECT $1, coalesce(max(attempt), 0) + 1, $2 FROM webhook_attempts WHERE delivery_id = $1
       RETURNING id, attempt`,
      [delivery.id, manual],
    );
    return { attemptId: String(row.id), attemptNo: row.attempt };
  }

  /** The outcome of an attempt this worker started (startAutomatic, startManual: they named the org). */
  async finishAttempt(attemptId: string, outcome: AttemptOutcome): Promise<void> {
    await this.db.query(
      `UPDATE webhook_attempts SET duration_ms = $2, status_code = $3, error = $4 WHERE id = $1`,
      [attemptId, Math.round(outcome.durationMs), outcome.statusCode, outcome.error],
    );
  }

  /**
   * Settles automatic attempt `attemptNo`: SUCCEEDED, FAILED, STOPPED, or back to PENDING with
   * the next attempt due in `retryInMs`. False when something else settled it meanwhile.
   */
  async settleAutomatic(
    orgId: string, deliveryId: string, attemptNo: number, status: DeliveryStatus,
    outcome: Pick<AttemptOutcome, 'statusCode' | 'error'>, retryInMs: number | null,
  ): Promise<boolean> {
    const rows = await this.db.query(
      `WITH u AS (
         UPDATE webhook_deliveries SET status = $4, last_status_code = $5, last_error = $6,
                next_attempt_at = CASE WHEN $7::float8 IS NULL THEN NULL ELSE now() + $7::float8 * interval '1 millisecond' END,
                updated_at = now()
         WHERE id = $1 AND org_id = $2 AND status = 'PENDING' AND attempts = $3
         RETURNING id
       ) SELECT id FROM u`,
      [deliveryId, orgId, attemptNo, status, outcome.statusCode, outcome.error, retryInMs],
    );
    return rows.length > 0;
  }

  /** A manual attempt got a 2xx: delivered, whatever the delivery's status was. */
  async markSucceeded(orgId: string, deliveryId: string, statusCode: number): Promise<void> {
    await this.db.query(
      `UPDATE webhook_deliveries SET status = 'SUCCEEDED', last_status_code = $3, last_error = NULL, next_attempt_at = NULL, updated_at = now()
       WHERE id = $1 AND org_id = $2`,
      [deliveryId, orgId, statusCode],
    );
  }

  /**
   * The receiver answered 410 Gone: this delivery (unless already delivered) and every other
   * pending one of the same job to the same URL stop; the dispatcher skips that URL for the job from now on.
   */
  async stopUrl(orgId: string, deliveryId: string, jobId: string, url: string, error: string): Promise<void> {
    await this.db.query(
      `UPDATE webhook_deliveries
       SET status = 'STOPPED', next_attempt_at = NULL, updated_at = now(),
           last_status_code = CASE WHEN id = $1 THEN 410 ELSE last_status_code END,
           last_error = CASE WHEN id = $1 THEN $5 ELSE 'not sent: the receiver answered 410 Gone to delivery ' || $1 END
       WHERE org_id = $2 AND job_id = $3 AND url = $4
         AND (status = 'PENDING' OR (id = $1 AND status <> 'SUCCEEDED'))`,
      [deliveryId, orgId, jobId, url, error],
    );
  }

  /** An attempt was claimed but never settled (worker died) and no retries are left. */
  async failExhausted(orgId: string, deliveryId: string, attempts: number): Promise<void> {
    await this.db.query(
      `WITH d AS (
         UPDATE webhook_deliveries SET status = 'FAILED', next_attempt_at = NULL, last_error = $4, updated_at = now()
         WHERE id = $1 AND org_id = $2 AND status = 'PENDING' AND attempts = $3
         RETURNING id
       )
       UPDATE webhook_attempts a SET error = $4 FROM d
       WHERE a.delivery_id = d.id AND NOT a.manual AND a.duration_ms IS NULL AND a.error IS NULL`,
      [deliveryId, orgId, attempts, LOST_ATTEMPT],
    );
  }

  /** All orgs: PENDING deliveries due for `graceMs` or more (Redis may have lost their Bull job), each with its org. */
  async overdue(graceMs: number, limit: number): Promise<Array<{ id: string; org_id: string; attempts: number }>> {
    return orderedWalk(this.db,
      `SELECT id, org_id, attempts FROM webhook_deliveries
       WHERE status = 'PENDING' AND next_attempt_at <= now() - $1 * interval '1 millisecond'
       ORDER BY next_attempt_at LIMIT $2`,
      [graceMs, limit],
    );
  }

  async listForJob(orgId: string, jobId: string, limit: number, offset: number) {
    const [deliveries, [{ total }]]: [DeliveryRow[], Array<{ total: number }>] = await Promise.all([
      this.db.query(
        `SELECT * FROM webhook_deliveries WHERE job_id = $1 AND org_id = $2 ORDER BY created_at, id LIMIT $3 OFFSET $4`,
        [jobId, orgId, limit, offset],
      ),
      this.db.query(`SELECT count(*)::int AS total FROM webhook_deliveries WHERE job_id = $1 AND org_id = $2`, [jobId, orgId]),
    ]);
    const attempts: AttemptRow[] = deliveries.length
      ? await this.db.query(
          `SELECT a.* FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
           WHERE a.delivery_id = ANY($1) AND d.org_id = $2 ORDER BY a.delivery_id, a.attempt, a.id`,
          [deliveries.map((d) => d.id), orgId],
        )
      : [];
    return { deliveries, attempts, total };
  }
}

export const stopKey = (jobId: string, url: string) => `${jobId}\u0000${url}`;
