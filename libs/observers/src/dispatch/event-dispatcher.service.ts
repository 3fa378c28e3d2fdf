import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { newId } from '@app/common';
import { WebhookDeliveryQueue } from '@app/queue';
import { DeliveriesRepository, NewDelivery, stopKey } from '../delivery/deliveries.repository';
import { PlanJob, planDeliveries } from './delivery-plan';

export const DISPATCH_BATCH = 200;

/**
 * Is anything waiting? ORDER BY the key of job_events_undispatched_idx makes the partial index
 * the only cheap plan whatever the statistics say: a bare LIMIT 1 let a planner that thinks
 * many rows qualify pick a sequential scan of every event ever written (281 ms at 487k events).
 */
export const OUTBOX_PEEK_SQL = `SELECT id FROM job_events WHERE NOT dispatched ORDER BY id LIMIT 1`;

interface OutboxEvent {
  id: string;
  job_id: string;
  org_id: string;
  to_status: string;
  at: Date;
  reason: string | null;
}

const JOB_COLUMNS = 'id, org_id, status, result, error, parent_job_id, callback_url, observers, cancel_reason';

/**
 * Drains the job_events outbox: every transition someone listens to was stored with
 * dispatched = false in the same statement as the transition itself. One transaction claims
 * a batch (FOR UPDATE SKIP LOCKED, so several workers share the work), plans and inserts the
 * deliveries and marks the events dispatched; only after the commit are the deliveries queued.
 * A crash before the commit leaves the events to the next pass; a crash after it leaves
 * PENDING deliveries that the reconciler queues. Nothing is lost, nothing is planned twice.
 */
@Injectable()
export class EventDispatcherService {
  constructor(
    private readonly db: DataSource,
    private readonly deliveries: DeliveriesRepository,
    private readonly queue: WebhookDeliveryQueue,
  ) {}

  /** One batch; returns how many events it handled (DISPATCH_BATCH means: there may be more). */
  async dispatchBatch(limit = DISPATCH_BATCH): Promise<number> {
    // A cheap look first, so an idle outbox costs one indexed query per pass, not a transaction.
    const [any] = await this.db.query(OUTBOX_PEEK_SQL);
    if (!any) return 0;
    const { handled, queued } = await this.db.transaction(async (em) => {
      const events: OutboxEvent[] = await em.query(
        `SELECT id, job_id, org_id, to_status, at, reason FROM job_events
         WHERE NOT dispatched ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (!events.length) return { handled: 0, queued: [] as NewDelivery[] };
      const jobs = await this.loadJobs(em.query.bind(em), events);
      const rows: NewDelivery[] = [];
      for (const e of events) {
        const job = jobs.get(e.job_id);
        if (!job || job.org_id !== e.org_id) continue;
        const parent = job.parent_job_id ? jobs.get(job.parent_job_id) ?? null : null;
        for (const p of planDeliveries(e, job, parent)) {
          rows.push({
            id: newId('dlv'), org_id: job.org_id, job_id: p.ownerJobId, event_type: p.eventType, target: p.target,
            url: p.url, payload: p.payload, status: 'PENDING', last_error: null,
          });
        }
      }
      const stopped = await this.deliveries.stoppedUrls(em, [...new Set(rows.map((r) => r.job_id))]);
      for (const r of rows) {
        if (!stopped.has(stopKey(r.job_id, r.url))) continue;
        r.status = 'STOPPED';
        r.last_error = 'not sent: the receiver answered 410 Gone to an earlier delivery of this job';
      }
      await this.deliveries.insert(em, rows);
      await em.query(`UPDATE job_events SET dispatched = true WHERE id = ANY($1)`, [events.map((e) => e.id)]);
      return { handled: events.length, queued: rows.filter((r) => r.status === 'PENDING') };
    });
    await Promise.all(queued.map((r) => this.queue.enqueue({ org_id: r.org_id, delivery_id: r.id, attempt: 1 })));
    return handled;
  }

  /** The events' jobs and their parents, two queries for the batch. */
  private async loadJobs(query: (sql: string, params: unknown[]) => Promise<PlanJob[]>, events: OutboxEvent[]) {
    const jobs = new Map<string, PlanJob & { org_id: string }>();
    const own: PlanJob[] = await query(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ANY($1)`, [[...new Set(events.map((e) => e.job_id))]]);
    own.forEach((j) => jobs.set(j.id, j));
    const parentIds = [...new Set(own.map((j) => j.parent_job_id).filter((id): id is string => !!id && !jobs.has(id)))];
    if (parentIds.length) {
      const parents: PlanJob[] = await query(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ANY($1)`, [parentIds]);
      parents.forEach((j) => jobs.set(j.id, j));
    }
    return jobs;
  }
}
