import { Injectable } from '@nestjs/common';
import { AppConfig, PageQueryDto } from '@app/common';
import type { AttemptRow, DeliveryRow } from '../delivery-types';
import { DeliveriesRepository } from './deliveries.repository';
import { JobOwnership } from './job-ownership';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export const attemptView = (a: AttemptRow) => ({
  attempt: a.attempt,
  manual: a.manual,
  at: iso(a.at),
  duration_ms: a.duration_ms,
  status_code: a.status_code,
  error: a.error,
});

export const deliveryView = (d: DeliveryRow, attempts: AttemptRow[], maxAttempts: number) => ({
  delivery_id: d.id,
  /** The `webhook-id` header of every attempt of this delivery. */
  webhook_id: d.id,
  job_id: d.job_id,
  /** The job the event is about: this job, or one of its subjobs (for its observers). */
  event_job_id: d.payload?.data?.job_id ?? d.job_id,
  event_type: d.event_type,
  target: d.target,
  url: d.url,
  status: d.status,
  automatic_attempts: d.attempts,
  max_automatic_attempts: maxAttempts,
  next_attempt_at: d.status === 'PENDING' ? iso(d.next_attempt_at) : null,
  last_status_code: d.last_status_code,
  last_error: d.last_error,
  created_at: iso(d.created_at),
  updated_at: iso(d.updated_at),
  payload: d.payload,
  attempts: attempts.map(attemptView),
});

/** A job's webhook deliveries (to its callback_url and observers), each with its attempts. */
@Injectable()
export class DeliveriesQueryService {
  constructor(
    private readonly repo: DeliveriesRepository,
    private readonly ownership: JobOwnership,
    private readonly config: AppConfig,
  ) {}

  async list(orgId: string, jobId: string, page: PageQueryDto) {
    await this.ownership.assertOwned(orgId, jobId);
    const { deliveries, attempts, total } = await this.repo.listForJob(orgId, jobId, page.limit, page.offset);
    const max = 1 + this.config.WEBHOOK_MAX_RETRIES;
    return {
      data: deliveries.map((d) => deliveryView(d, attempts.filter((a) => a.delivery_id === d.id), max)),
      meta: { org_id: orgId, job_id: jobId, limit: page.limit, offset: page.offset, total },
    };
  }
}
