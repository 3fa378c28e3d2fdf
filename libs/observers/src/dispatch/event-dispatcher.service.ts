import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { newId } from '@app/common';
import { WebhookDeliveryQueue } from '@app/queue';
import { DeliveriesRepository, NewDelivery, stopKey } from '../delivery/deliveries.repository';
import { OBSERVED_JOBS, ObservedJobs, OutboxEvent } from '../observed-jobs.port';
import { PlanJob, planDeliveries } from './delivery-plan';

export const DISPATCH_BATCH = 200;

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
    @Inject(OBSERVED_JOBS) private readonly jobs: ObservedJobs,
    private readonly queue: WebhookDeliveryQueue,
  ) {}

  /** One batch; returns how many events it handled (DISPATCH_BATCH means: there may be more). */
  async dispatchBatch(limit = DISPATCH_BATCH): Promise<number> {
    // A cheap look first, so an idle outbox costs one indexed query per pass, not a transaction.
    if (!(await this.jobs.anyUndispatchedAllOrgs())) return 0;
    const { handled, queued } = await this.db.transaction(async (em) => {
      const events = await this.jobs.claimUndispatchedAllOrgs(em, limit);
      if (!events.length) return { handled: 0, queued: [] as NewDelivery[] };
      const jobs = await this.loadJobs(em, events);
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
      await this.jobs.markDispatched(em, events.map((e) => e.id));
      return { handled: events.length, queued: rows.filter((r) => r.status === 'PENDING') };
    });
    await Promise.all(queued.map((r) => this.queue.enqueue({ org_id: r.org_id, delivery_id: r.id, attempt: 1 })));
    return handled;
  }

  /** The events' jobs and their parents, two queries for the batch. */
  private async loadJobs(em: EntityManager, events: OutboxEvent[]) {
    const jobs = new Map<string, PlanJob & { org_id: string }>();
    const own = await this.jobs.planJobsAllOrgs(em, [...new Set(events.map((e) => e.job_id))]);
    own.forEach((j) => jobs.set(j.id, j));
    const parentIds = [...new Set(own.map((j) => j.parent_job_id).filter((id): id is string => !!id && !jobs.has(id)))];
    if (parentIds.length) {
      const parents = await this.jobs.planJobsAllOrgs(em, parentIds);
      parents.forEach((j) => jobs.set(j.id, j));
    }
    return jobs;
  }
}
