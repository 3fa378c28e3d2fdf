import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { SignedWebhookSender } from '@app/common/outbound';
import type { ChannelDeliverer, DeliveryContext, DeliveryOutcome } from '../delivery/delivery-types';
import { GONE_CODE } from '../delivery/claim-posts.sql';
import { WEBHOOK_SECRETS, WebhookSecrets } from './webhook-secrets';

/** `job.result` payload of a webhook channel; `timestamp` is when the result was recorded, stable across retries. */
export function webhookResultPayload(ctx: DeliveryContext) {
  const { post } = ctx;
  return {
    type: 'job.result',
    timestamp: post.created_at.toISOString(),
    data: { job_id: post.job_id, org_id: post.org_id, task_id: post.task_id, seq: post.seq, is_final: post.is_final, result: post.result ?? null },
  };
}

/**
 * POSTs a result to a webhook channel's data.url with the one signed sender, judged by the
 * one webhook rule (the same as observer webhooks: webhook-verdict.ts); webhook-id
 * `post_<task_id>` is the same on every retry, so receivers dedupe (at least once). How
 * often a retry is made is the channel posts' own policy (ChannelPostsService).
 */
@Injectable()
export class WebhookDeliverer implements ChannelDeliverer {
  constructor(
    private readonly sender: SignedWebhookSender,
    private readonly config: AppConfig,
    @Inject(WEBHOOK_SECRETS) private readonly secrets: WebhookSecrets,
  ) {}

  async deliver(ctx: DeliveryContext): Promise<DeliveryOutcome> {
    if (ctx.stoppedBy) {
      return { kind: 'failed', error: { code: GONE_CODE, message: `not sent: the receiver answered 410 Gone to post ${ctx.stoppedBy} of this job` } };
    }
    const url = ctx.job.target_channel.data?.url;
    if (typeof url !== 'string') return { kind: 'failed', error: { code: 'WEBHOOK_URL_MISSING', message: 'The webhook channel has no data.url' } };
    const attempt = await this.sender.deliver({
      url, msgId: `post_${ctx.post.task_id}`, body: JSON.stringify(webhookResultPayload(ctx)),
      secrets: await this.secrets.secretsFor(ctx.post.org_id), timeoutMs: this.config.WEBHOOK_TIMEOUT_MS,
    });
    if (attempt.verdict === 'delivered') return { kind: 'delivered', ts: null };
    if (attempt.verdict === 'retry') {
      return { kind: 'retry', maybeSent: false, error: attempt.error!, ...(attempt.retryAfterMs !== undefined ? { retryAfterMs: attempt.retryAfterMs } : {}) };
    }
    return { kind: 'failed', error: attempt.error! };
  }
}
