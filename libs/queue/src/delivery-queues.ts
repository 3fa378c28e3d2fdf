import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { CHANNEL_POSTS_QUEUE, ChannelPostPayload, WEBHOOK_DELIVERIES_QUEUE, WebhookDeliveryPayload } from './queue-names';

/** Thin producers for the delivery queues. Failures are logged: the reconcilers re-enqueue from Postgres. */
@Injectable()
export class ChannelPostQueue {
  private readonly logger = new Logger(ChannelPostQueue.name);
  constructor(@InjectQueue(CHANNEL_POSTS_QUEUE) readonly queue: Queue<ChannelPostPayload>) {}

  async enqueue(post: ChannelPostPayload, delayMs = 0): Promise<void> {
    try {
      await this.queue.add(post, { jobId: `post:${post.task_id}`, delay: Math.max(0, delayMs) });
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
