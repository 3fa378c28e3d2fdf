import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { BullPresence } from './bull-presence';
import { RedisEpoch } from './redis-epoch';
import { CHANNEL_POSTS_QUEUE, ChannelPostPayload, WEBHOOK_DELIVERIES_QUEUE, WebhookDeliveryPayload } from './queue-names';

export interface ChannelPostWakeup {
  post: ChannelPostPayload;
  /** Names a later run of the post (see ChannelPostQueue.jobId); none for the first run. */
  wakeup?: string;
}

/** Runs a post in this process when it can (the worker's channel delivery registers one). */
export interface LocalPostRunner {
  /** False when it cannot take the post now (busy, shutting down): it goes to Bull then. */
  tryRun(post: ChannelPostPayload, wakeupId: string): boolean;
}

/** Thin producers for the delivery queues. Failures are logged: the reconcilers re-enqueue from Postgres. */
@Injectable()
export class ChannelPostQueue {
  private readonly logger = new Logger(ChannelPostQueue.name);
  private readonly presence: BullPresence;
  private local: LocalPostRunner | null = null;

  constructor(@InjectQueue(CHANNEL_POSTS_QUEUE) readonly queue: Queue<ChannelPostPayload>, epoch: RedisEpoch) {
    this.presence = new BullPresence(queue);
    epoch.onLoss(() => this.presence.forget());
  }

  /**
   * The first run of a post is `post:<task_id>`; `wakeup` names a later one,
   * `post:<task_id>:<wakeup>` (the channel-posts service names them by due time, so copies
   * collapse and the reconciler knows which id to look for). A later run has an id of its
   * own so that it is not dropped while an earlier run of the post is still active.
   */
  static jobId(taskId: string, wakeup?: string): string {
    return wakeup === undefined ? `post:${taskId}` : `post:${taskId}:${wakeup}`;
  }

  /** Set by the process that delivers posts (the API alone has none); returns the one it replaces. */
  useLocalRunner(runner: LocalPostRunner | null): LocalPostRunner | null {
    const previous = this.local;
    this.local = runner;
    return previous;
  }

  /**
   * A post's first run, as its task finished: in this process when it delivers posts and has
   * room, else through Bull. Either way under the first run's id, so the reconciler's check
   * (post-wakeups.ts) and a duplicate run agree on it.
   */
  async first(post: ChannelPostPayload): Promise<boolean> {
    if (this.local?.tryRun(post, ChannelPostQueue.jobId(post.task_id))) return true;
    return this.enqueue(post);
  }

  /** Idempotent per id: Bull ignores an add whose job id exists. */
  async enqueue(post: ChannelPostPayload, delayMs = 0, wakeup?: string | number): Promise<boolean> {
    const jobId = ChannelPostQueue.jobId(post.task_id, wakeup === undefined ? undefined : String(wakeup));
    try {
      await this.queue.add(post, { jobId, delay: Math.max(0, delayMs) });
      return true;
    } catch (err) {
      this.logger.warn(`channel post ${post.task_id} deferred to the reconciler: ${(err as Error).message}`);
      return false;
    }
  }

  /**
   * For the reconciler's sweep of overdue posts: enqueues (now) only the wakeups whose Bull
   * job is gone (Redis lost it, a worker died, an add failed); see BullPresence. Every post
   * it is given is overdue, so one Bull holds is not asked about again for a while.
   * Returns how many were enqueued.
   */
  async enqueueMissing(wakeups: ChannelPostWakeup[]): Promise<number> {
    const jobIdOf = (w: ChannelPostWakeup) => ChannelPostQueue.jobId(w.post.task_id, w.wakeup);
    const missing = await this.presence.missing(wakeups, jobIdOf, () => true);
    await Promise.all(missing.map((w) => this.enqueue(w.post, 0, w.wakeup)));
    return missing.length;
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
