import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { MetricsService } from '@app/common/metrics';
import { AGENT_TASKS_QUEUE, CHANNEL_POSTS_QUEUE, WEBHOOK_DELIVERIES_QUEUE } from './queue-names';

/** Reports the depth of our three Bull queues (jobs per state), read from Redis whenever metrics are scraped. */
@Injectable()
export class QueueDepthMetrics {
  constructor(
    metrics: MetricsService,
    @InjectQueue(AGENT_TASKS_QUEUE) tasks: Queue,
    @InjectQueue(CHANNEL_POSTS_QUEUE) posts: Queue,
    @InjectQueue(WEBHOOK_DELIVERIES_QUEUE) deliveries: Queue,
  ) {
    for (const queue of [tasks, posts, deliveries]) {
      metrics.addQueueDepthSource({ queue: queue.name, counts: async () => ({ ...(await queue.getJobCounts()) }) });
    }
  }
}
