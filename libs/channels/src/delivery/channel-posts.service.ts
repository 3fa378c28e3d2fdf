import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { MetricsService } from '@app/common/metrics';
import { backoffMs } from '@app/common/outbound';
import { ChannelPostPayload, ChannelPostQueue } from '@app/queue';
import { SlackDeliverer } from '../slack/slack-deliverer';
import { WebhookDeliverer } from '../webhook/webhook-deliverer';
import { ChannelPostsRepository, Finished } from './channel-posts.repository';
import { dueWakeup, earlyWakeup, expectedWakeup } from './post-wakeups';
import {
  ChannelDeliverer, DeliveryContext, DeliveryOutcome, MAX_ATTEMPTS, MAX_BACKOFF_STEP_MS, MAX_RATE_LIMITED_ATTEMPTS,
} from './delivery-types';

/** A claimed post is someone's for this long (a crashed worker's post is taken over after it). */
const MIN_LEASE_MS = 120_000;
/** A run that finds its post due later than this leaves it to the reconciler. */
const MAX_WAIT_MS = 60_000;

/**
 * The rules of delivering a job's results to its channel, one post (task result) at a time:
 * posts of a job go out in seq order; a post is claimed (SENDING) before the platform is
 * called, so a re-run after a crash knows to check first; rate limits wait what the
 * platform asks; transient errors back off exponentially, at most MAX_ATTEMPTS; permanent
 * errors fail at once. The outcome lands on the job (jobs.delivery) and in its events.
 *
 * Each run costs one claim and, once the platform answered, one finish; claims (and
 * finishes) of runs that reach the repository in the same turn of the event loop share one
 * statement. Bull runs are named by when the post is due (post-wakeups.ts): a post is
 * woken once per due time, by its first run, a retry, or the earlier post's kick.
 */
@Injectable()
export class ChannelPostsService {
  private readonly logger = new Logger(ChannelPostsService.name);
  private readonly deliverers: Record<string, ChannelDeliverer>;
  private readonly leaseMs: number;

  constructor(
    private readonly posts: ChannelPostsRepository,
    private readonly queue: ChannelPostQueue,
    private readonly config: AppConfig,
    slack: SlackDeliverer,
    webhook: WebhookDeliverer,
    private readonly metrics: MetricsService,
  ) {
    this.deliverers = { slack, webhook };
    this.leaseMs = Math.max(MIN_LEASE_MS, config.WEBHOOK_TIMEOUT_MS + 30_000);
  }

  /** `wakeupId`: the Bull job id this run came with (see post-wakeups.ts). */
  async deliver(p: ChannelPostPayload, wakeupId?: string): Promise<void> {
    const claim = await this.posts.claim(p.org_id, p.job_id, p.task_id, this.leaseMs);
    // 'blocked' needs nothing queued: the claim deferred the post, and the earlier post kicks
    // it when it finishes (or the reconciler, once the deferral is over).
    if (claim.state === 'busy' && claim.dueInMs <= MAX_WAIT_MS
      && wakeupId === ChannelPostQueue.jobId(p.task_id, expectedWakeup(claim.due))) {
      // This is the run meant for the post's due time and it fired early (workers' clocks
      // differ): come back when due. Any other run is a duplicate; the expected one is queued
      // (or the reconciler restores it).
      await this.queue.enqueue(p, claim.dueInMs + 50, earlyWakeup(claim.due.due_at_ms));
      return;
    }
    if (claim.state !== 'claimed') return;
    const ctx: DeliveryContext = { post: claim.post, job: claim.job, threadTs: claim.threadTs, stoppedBy: claim.stoppedBy };
    const deliverer = this.deliverers[claim.job.target_channel.platform];
    let outcome: DeliveryOutcome;
    if (!deliverer) {
      outcome = { kind: 'failed', error: { code: 'UNSUPPORTED_PLATFORM', message: `No delivery for platform '${claim.job.target_channel.platform}'` } };
    } else {
      try {
        outcome = await this.metrics.timeDelivery(claim.job.target_channel.platform, () => deliverer.deliver(ctx));
      } catch (err) {
        this.logger.warn(`delivery of ${p.task_id} failed unexpectedly: ${(err as Error).message}`);
        outcome = { kind: 'retry', maybeSent: true, error: { code: 'DELIVERY_ERROR', message: 'unexpected error while delivering' } };
      }
    }
    await this.apply(ctx, outcome);
  }

  private async apply(ctx: DeliveryContext, outcome: DeliveryOutcome): Promise<void> {
    const { post, job } = ctx;
    const where = `${job.target_channel.platform} ${job.target_channel.code}`;
    let finished: Finished | null;
    if (outcome.kind === 'delivered') {
      const details = [
        outcome.ts ? ` ts=${outcome.ts}` : '',
        ctx.threadTs ? ` in thread ${ctx.threadTs}` : '',
        outcome.recovered ? ' (found after an interrupted attempt)' : '',
      ].join('');
      finished = await this.posts.delivered(post.org_id, job.id, post.task_id, outcome.ts, `delivered to ${where}${details}`);
    } else if (outcome.kind === 'failed') {
      finished = await this.posts.failed(post.org_id, job.id, post.task_id, outcome.error, `delivery failed: ${outcome.error.code}`);
    } else {
      const limit = outcome.retryAfterMs !== undefined ? MAX_RATE_LIMITED_ATTEMPTS : MAX_ATTEMPTS;
      if (post.attempts >= limit) {
        finished = await this.posts.failed(post.org_id, job.id, post.task_id, outcome.error,
          `delivery failed: ${outcome.error.code} after ${post.attempts} attempts`);
      } else {
        const delay = outcome.retryAfterMs ?? backoffMs(post.attempts, { baseMs: this.config.DELIVERY_BACKOFF_BASE_MS, maxStepMs: MAX_BACKOFF_STEP_MS });
        const status = outcome.maybeSent ? 'SENDING' : 'PENDING';
        const retried = await this.posts.retryLater(post.org_id, job.id, post.task_id, status, delay, outcome.error);
        if (retried) await this.queue.enqueue({ org_id: post.org_id, job_id: job.id, task_id: post.task_id }, delay, dueWakeup(retried.due.due_at_ms));
        return;
      }
    }
    const next = finished?.next;
    if (next) await this.queue.enqueue({ org_id: next.org_id, job_id: next.job_id, task_id: next.task_id }, 0, dueWakeup(next.due.due_at_ms));
  }
}
