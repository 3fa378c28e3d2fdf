import { Injectable } from '@nestjs/common';
import { ChannelPostQueue } from '@app/queue';
import { ChannelPostsRepository } from './channel-posts.repository';
import { expectedWakeup } from './post-wakeups';

/** How long past due a post must be before the reconciler asks whether Redis still holds its run. */
const GRACE_MS = 2000;
const BATCH = 500;

/**
 * Postgres is the truth, Redis may lose data: puts back on the queue every open post
 * (PENDING, or SENDING whose claim lease ran out: its worker died) that is overdue and
 * whose run Bull no longer holds. The run a post waits for is named by its state in
 * Postgres (post-wakeups.ts), so one EXISTS tells; an overdue post still queued (a backlog)
 * is left alone, and a lost one is added once, under the id every other producer would use.
 */
@Injectable()
export class ChannelPostsReconciler {
  /** Where the scan resumes: with more overdue posts than a batch, a lost one deep in them is still found. */
  private cursor: { key: string; taskId: string } | null = null;

  constructor(private readonly posts: ChannelPostsRepository, private readonly queue: ChannelPostQueue) {}

  /** Returns how many posts were put back. */
  async pass(): Promise<number> {
    const due = await this.posts.due(GRACE_MS, BATCH, this.cursor);
    const last = due[due.length - 1];
    this.cursor = due.length === BATCH ? { key: last.next_attempt_key, taskId: last.task_id } : null;
    return this.queue.enqueueMissing(due.map((d) => ({
      post: { org_id: d.org_id, job_id: d.job_id, task_id: d.task_id },
      wakeup: expectedWakeup(d),
    })));
  }
}
