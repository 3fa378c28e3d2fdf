import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { OutboundError, OutboundHttpClient } from '@app/common/outbound';
import type { ChannelDeliverer, DeliveryContext, DeliveryOutcome } from '../delivery/delivery-types';
import { WEBHOOK_SIGNER, WebhookSigner } from './webhook-signer';

/** Statuses worth another try; every other non-2xx is the receiver saying no. */
const RETRY_STATUSES = new Set([408, 425, 429]);

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
 * POSTs a result to a webhook channel's data.url through the outbound client, signed with
 * Standard Webhooks headers; webhook-id `post_<task_id>` is the same on every retry, so
 * receivers dedupe (delivery is at least once).
 */
@Injectable()
export class WebhookDeliverer implements ChannelDeliverer {
  constructor(
    private readonly outbound: OutboundHttpClient,
    private readonly config: AppConfig,
    @Inject(WEBHOOK_SIGNER) private readonly signer: WebhookSigner,
  ) {}

  async deliver(ctx: DeliveryContext): Promise<DeliveryOutcome> {
    const url = ctx.job.target_channel.data?.url;
    if (typeof url !== 'string') return { kind: 'failed', error: { code: 'WEBHOOK_URL_MISSING', message: 'The webhook channel has no data.url' } };
    const payload = JSON.stringify(webhookResultPayload(ctx));
    const headers = await this.signer.sign(ctx.post.org_id, `post_${ctx.post.task_id}`, new Date(), payload);
    try {
      const res = await this.outbound.request({
        url, method: 'POST', body: payload, timeoutMs: this.config.WEBHOOK_TIMEOUT_MS,
        headers: { 'content-type': 'application/json', 'user-agent': 'agent-jobs-delivery', ...headers },
      });
      if (res.status >= 200 && res.status < 300) return { kind: 'delivered', ts: null };
      const error = { code: 'WEBHOOK_HTTP_ERROR', message: `the receiver answered HTTP ${res.status}` };
      if (res.status === 429) {
        const after = Number(res.headers['retry-after']);
        return { kind: 'retry', maybeSent: false, error, ...(Number.isFinite(after) && after >= 0 ? { retryAfterMs: Math.max(1000, after * 1000) } : {}) };
      }
      if (res.status >= 500 || RETRY_STATUSES.has(res.status)) return { kind: 'retry', maybeSent: false, error };
      return { kind: 'failed', error: { code: 'WEBHOOK_REJECTED', message: error.message } };
    } catch (err) {
      if (!(err instanceof OutboundError)) throw err;
      if (err.code === 'URL_REFUSED' || err.code === 'INVALID_URL') return { kind: 'failed', error: { code: 'OUTBOUND_URL_REFUSED', message: err.message } };
      const code = err.code === 'TIMEOUT' || err.code === 'CONNECT_TIMEOUT' ? 'WEBHOOK_TIMEOUT' : 'WEBHOOK_UNREACHABLE';
      return { kind: 'retry', maybeSent: false, error: { code, message: err.message } };
    }
  }
}
