import { Injectable, Logger } from '@nestjs/common';
import { WebhookDeliveryQueue } from '@app/queue';
import { DeliveriesRepository } from './deliveries.repository';

/** A due delivery normally has its Bull job; only one overdue by this much is re-queued. */
const OVERDUE_GRACE_MS = 2000;
const BATCH = 500;

/**
 * Postgres is the truth, Redis may lose data: PENDING deliveries that are overdue (Redis lost
 * their Bull job, or the worker died before queuing them or during an attempt) are queued
 * again as their next attempt. Queuing an existing Bull job id is a no-op, and an attempt
 * only runs if the delivery still expects it, so this never causes a double send.
 */
@Injectable()
export class DeliveryReconcilerService {
  private readonly logger = new Logger(DeliveryReconcilerService.name);

  constructor(private readonly repo: DeliveriesRepository, private readonly queue: WebhookDeliveryQueue) {}

  async pass(): Promise<number> {
    const overdue = await this.repo.overdue(OVERDUE_GRACE_MS, BATCH);
    await Promise.all(overdue.map((d) => this.queue.enqueue({ org_id: d.org_id, delivery_id: d.id, attempt: d.attempts + 1 })));
    if (overdue.length) this.logger.debug(`re-queued ${overdue.length} overdue webhook deliveries`);
    return overdue.length;
  }
}
