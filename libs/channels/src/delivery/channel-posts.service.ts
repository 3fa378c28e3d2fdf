import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { ChannelPostPayload, ChannelPostQueue } from '@app/queue';
import { SlackDeliverer } from '../slack/slack-deliverer';
import { WebhookDeliverer } from '../webhook/webhook-deliverer';
import { ChannelPostsRepository, Finished } from './channel-posts.repository';
import {
  backoffMs, ChannelDeliverer, DeliveryContext, DeliveryOutcome, MAX_ATTEMPTS, MAX_RATE_LIMITED_ATTEMPTS,
} from './delivery-types';

/** A claimed post is someone's for this long (a crashed worker's post is taken over after it). */
const MIN_LEASE_MS = 120_000;
const MIN_WAIT_MS = 500;
const MAX_WAIT_MS = 60_000;

/**
 * The rules of delivering a job's results to its channel, one post (task result) at a time:
 * posts of a job go out in seq order; a post is claimed (SENDING) before the platform is
 * called, so a re-run after a crash knows to check first; rate limits wait what the
 * platform asks; transient errors back off exponentially, at most MAX_ATTEMPTS; permanent
 * errors fail at once. The outcome lands on the job (jobs.delivery) and in its events.
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
  ) {
    this.deliverers = { slack, webhook };
    this.leaseMs = Math.max(MIN_LEASE_MS, config.WEBHOOK_TIMEOUT_MS + 30_000);
  }

  async deliver(p: ChannelPostPayload): Promise<void> {
    const claim = await this.posts.claim(p.org_id, p.job_id, p.task_id, this.leaseMs);
    if (claim.state === 'blocked') {
      // Wait for the earlier post: about when it is due again (it kicks this one when it finishes).
      const wait = Math.min(MAX_WAIT_MS, Math.max(MIN_WAIT_MS, claim.retryInMs + 250));
      await this.posts.defer(p.org_id, p.task_id, wait);
      // Named by the second it is due in, so repeated deferrals of one post share a Bull job.
      await this.queue.enqueue(p, wait, `w${Math.ceil((Date.now() + wait) / 1000)}`);
      return;
    }
    if (claim.state === 'busy' && claim.dueInMs <= MAX_WAIT_MS) {
      // Fired a little early (clocks differ) or a duplicate: come back when due; the id names the due time, so copies collapse.
      const dueAt = Date.now() + claim.dueInMs;
      await this.queue.enqueue(p, claim.dueInMs + 50, `d${Math.round(dueAt / 100)}`);
      return;
    }
    if (claim.state !== 'claimed') return;
    const ctx: DeliveryContext = { post: claim.post, job: claim.job, threadTs: claim.threadTs };
    const deliverer = this.deliverers[claim.job.target_channel.platform];
    let outcome: DeliveryOutcome;
    if (!deliverer) {
      outcome = { kind: 'failed', error: { code: 'UNSUPPORTED_PLATFORM', message: `No delivery for platform '${claim.job.target_channel.platform}'` } };
    } else {
      try {
        outcome = await deliverer.deliver(ctx);
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
        const delay = outcome.retryAfterMs ?? backoffMs(this.config.DELIVERY_BACKOFF_BASE_MS, post.attempts);
        const status = outcome.maybeSent ? 'SENDING' : 'PENDING';
        if (await this.posts.retryLater(post.org_id, job.id, post.task_id, status, delay, outcome.error)) {
          await this.queue.enqueue({ org_id: post.org_id, job_id: job.id, task_id: post.task_id }, delay, post.attempts + 1);
        }
        return;
      }
    }
    if (finished?.next) await this.queue.enqueue(finished.next, 0, 'next');
  }
}
