import { InjectQueue } from '@nestjs/bull';
import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bull';
import { AGENT_TASKS_QUEUE, CHANNEL_POSTS_QUEUE, WEBHOOK_DELIVERIES_QUEUE } from './queue-names';

/** Bull's memoized connections of a queue: the flag it sets once one exists, and the getter that holds it. */
const BULL_CONNECTIONS = [['clientInitialized', 'client'], ['subscriberInitialized', 'eclient'], ['bclientInitialized', 'bclient']] as const;

/**
 * Bull closes, on queue.close(), the connections listed in `queue.clients`, which it fills
 * only with connections it made itself; ours come from createClient (createBullClient), so
 * without this they would stay open after the app closes. Each queue's list is made to read
 * its own connections, those it created so far (Bull creates them lazily): Bull's close then
 * quits them as it did its own (the blocked one disconnected), after its running jobs finish.
 */
@Injectable()
export class BullConnections implements OnModuleInit {
  constructor(
    @InjectQueue(AGENT_TASKS_QUEUE) private readonly tasks: Queue,
    @InjectQueue(CHANNEL_POSTS_QUEUE) private readonly posts: Queue,
    @InjectQueue(WEBHOOK_DELIVERIES_QUEUE) private readonly webhooks: Queue,
  ) {}

  onModuleInit(): void {
    for (const queue of [this.tasks, this.posts, this.webhooks]) {
      const internals = queue as unknown as Record<string, unknown>;
      Object.defineProperty(queue, 'clients', {
        configurable: true,
        get: () => BULL_CONNECTIONS.filter(([flag]) => internals[flag]).map(([, getter]) => internals[getter]),
      });
    }
  }
}
