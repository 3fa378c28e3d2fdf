import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { CHANNEL_POSTS_QUEUE, ChannelPostPayload, WEBHOOK_DELIVERIES_QUEUE, WebhookDeliveryPayload } from './queue-names';

/** Thin producers for the delivery queues. Failures are logged: the reconcilers re-enqueue from Postgres. */
@Injectable()
export class ChannelPostQueue {
  private readonly logger = new Logger(ChannelPostQueue.name);
  constructor(@InjectQueue(CHANNEL_POSTS_QUEUE) readonly queue: Queue<ChannelPostPayload>) {}

  /**
   * `attempt` names a later run of the same post (a retry, a wait for earlier posts, the
   * reconciler): its Bull job id is `post:<task_id>:<attempt>`, distinct from the first run's
   * `post:<task_id>`, so it is not dropped while that one is still active.
   */
  async enqueue(post: ChannelPostPayload, delayMs = 0, attempt?: string | number): Promise<void> {
    const jobId = attempt === undefined ? `post:${post.task_id}` : `post:${post.task_id}:${attempt}`;
    try {
      await this.queue.add(post, { jobId, delay: Math.max(0, delayMs) });
    } catch (err) {
      this.logger.warn(`channel post ${post.task_id} deferred to the reconciler: ${(err as Error).message}`);
    }
  }
}

@Injectable()
export class WebhookDeliveryQueue {
  private readonly logger = new Logger(WebhookDeliveryQueue.name);
  constructor(@InjectQueue(WEBHOOK_DELIVERIES_QUEUE) readonly queue: Queue<WebhookDeliveryPayload>) {}

  async enqueue(delivery: WebhookDeliveryPayload, delayMs = 0): Promise<void> {
    try {
      await this.queue.add(delivery, { jobId: `${delivery.delivery_id}:${delivery.attempt}`, delay: Math.max(0, delayMs) });
    } catch (err) {
      this.logger.warn(`webhook delivery ${delivery.delivery_id} deferred to the reconciler: ${(err as Error).message}`);
    }
  }
}
