import { Injectable } from '@nestjs/common';
import { ChannelPostQueue } from '@app/queue';
import { ChannelPostsRepository } from './channel-posts.repository';

/** How long past due a post must be before the reconciler assumes Redis lost its queue entry. */
const GRACE_MS = 2000;
const BATCH = 500;

/**
 * Postgres is the truth, Redis may lose data: puts back on the queue every open post
 * (PENDING, or SENDING whose claim lease ran out: its worker died) that is due and was not
 * picked up. The Bull job id names the due time, so passes never pile up copies.
 */
@Injectable()
export class ChannelPostsReconciler {
  constructor(private readonly posts: ChannelPostsRepository, private readonly queue: ChannelPostQueue) {}

  async pass(): Promise<number> {
    const due = await this.posts.due(GRACE_MS, BATCH);
    await Promise.all(due.map((d) =>
      this.queue.enqueue({ org_id: d.org_id, job_id: d.job_id, task_id: d.task_id }, 0, `r${new Date(d.next_attempt_at).getTime()}`)));
    return due.length;
  }
}
