import { InjectQueue } from '@nestjs/bull';
import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bull';
import { AGENT_TASKS_QUEUE, CHANNEL_POSTS_QUEUE, WEBHOOK_DELIVERIES_QUEUE } from './queue-names';

/**
 * Turns on ioredis auto-pipelining for each queue's command connection only: commands issued
 * in one tick (a batch of tasks claimed or finished together by StatementBatcher, then their
 * Bull calls) go out in one socket write instead of one each. Not through Bull's `redis`
 * options: those also reach the blocking connection, where Bull's concurrent BRPOPLPUSH calls
 * would share one pipeline and each wait for all the others to time out. ioredis reads the
 * flag on every command, so setting it on the created client is enough.
 */
@Injectable()
export class QueueClientPipelining implements OnModuleInit {
  constructor(
    @InjectQueue(AGENT_TASKS_QUEUE) private readonly tasks: Queue,
    @InjectQueue(CHANNEL_POSTS_QUEUE) private readonly posts: Queue,
    @InjectQueue(WEBHOOK_DELIVERIES_QUEUE) private readonly webhooks: Queue,
  ) {}

  onModuleInit(): void {
    for (const queue of [this.tasks, this.posts, this.webhooks]) queue.client.options.enableAutoPipelining = true;
  }
}
