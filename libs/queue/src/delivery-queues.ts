import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { CHANNEL_POSTS_QUEUE, ChannelPostPayload, WEBHOOK_DELIVERIES_QUEUE, WebhookDeliveryPayload } from './queue-names';

/** How long a post the reconciler found queued is not asked about again (see enqueueMissing). */
const RECHECK_MS = 10_000;

export interface ChannelPostWakeup {
  post: ChannelPostPayload;
  /** Names a later run of the post (see ChannelPostQueue.jobId); none for the first run. */
  wakeup?: string;
}

/** Thin producers for the delivery queues. Failures are logged: the reconcilers re-enqueue from Postgres. */
@Injectable()
export class ChannelPostQueue {
  private readonly logger = new Logger(ChannelPostQueue.name);
  /** Bull job id -> when the reconciler last saw Bull holding it. */
  private readonly seenQueued = new Map<string, number>();

  constructor(@InjectQueue(CHANNEL_POSTS_QUEUE) readonly queue: Queue<ChannelPostPayload>) {}

  /**
   * The first run of a post is `post:<task_id>`; `wakeup` names a later one,
   * `post:<task_id>:<wakeup>` (the channel-posts service names them by due time, so copies
   * collapse and the reconciler knows which id to look for). A later run has an id of its
   * own so that it is not dropped while an earlier run of the post is still active.
   */
  static jobId(taskId: string, wakeup?: string): string {
    return wakeup === undefined ? `post:${taskId}` : `post:${taskId}:${wakeup}`;
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
   * job is gone (Redis lost it, a worker died, an add failed). One pipelined EXISTS per
   * wakeup instead of an addJob script per post and pass. A wakeup Bull was seen holding is
   * not asked about again for RECHECK_MS (under a backlog every queued post is overdue on
   * every pass); one Redis lost is found within that. Returns how many were enqueued.
   */
  async enqueueMissing(wakeups: ChannelPostWakeup[]): Promise<number> {
    const now = Date.now();
    for (const [id, at] of this.seenQueued) if (now - at > RECHECK_MS) this.seenQueued.delete(id);
    const candidates = wakeups
      .map((w) => ({ ...w, jobId: ChannelPostQueue.jobId(w.post.task_id, w.wakeup) }))
      .filter((w) => !this.seenQueued.has(w.jobId));
    if (!candidates.length) return 0;
    let missing = candidates;
    try {
      const pipeline = this.queue.client.pipeline();
      for (const w of candidates) pipeline.exists(this.queue.toKey(w.jobId));
      const results = (await pipeline.exec()) ?? [];
      missing = candidates.filter((w, i) => {
        const [err, exists] = results[i] ?? [null, 0];
        const queued = err === null && exists === 1;
        if (queued) this.seenQueued.set(w.jobId, now);
        return !queued;
      });
    } catch {
      // Redis unreachable: enqueue() below logs and leaves them for the next pass.
    }
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
