import { InjectQueue } from '@nestjs/bull';
import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bull';
import { AppConfig } from '@app/common';
import { AGENT_TASKS_QUEUE, CHANNEL_POSTS_QUEUE, WEBHOOK_DELIVERIES_QUEUE } from './queue-names';

/**
 * Tunes each queue's command connection only, not through Bull's `redis` options: those also
 * reach the blocking connection, where Bull's BRPOPLPUSH calls wait on purpose. ioredis reads
 * both flags on every command, so setting them on the created client is enough.
 * - Auto-pipelining: commands issued in one tick (a batch of tasks claimed or finished
 *   together by StatementBatcher, then their Bull calls) go out in one socket write instead
 *   of one each. On the blocking connection, concurrent BRPOPLPUSH calls would share one
 *   pipeline and each wait for all the others to time out.
 * - A command timeout (REDIS_TIMEOUT_MS): a Redis that accepts connections but does not
 *   answer (frozen, overloaded) fails a command instead of holding it, and the request
 *   awaiting it, for ever.
 */
@Injectable()
export class QueueCommandConnections implements OnModuleInit {
  constructor(
    private readonly config: AppConfig,
    @InjectQueue(AGENT_TASKS_QUEUE) private readonly tasks: Queue,
    @InjectQueue(CHANNEL_POSTS_QUEUE) private readonly posts: Queue,
    @InjectQueue(WEBHOOK_DELIVERIES_QUEUE) private readonly webhooks: Queue,
  ) {}

  onModuleInit(): void {
    for (const queue of [this.tasks, this.posts, this.webhooks]) {
      queue.client.options.enableAutoPipelining = true;
      queue.client.options.commandTimeout = this.config.REDIS_TIMEOUT_MS;
    }
  }
}
