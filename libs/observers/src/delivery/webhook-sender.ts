import { Injectable, Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { AppConfig } from '@app/common';
import { OutboundError, OutboundHttpClient } from '@app/common/outbound';
import type { DeliveryRow } from '../delivery-types';
import { serializePayload } from '../dispatch/webhook-payload';
import { OrgWebhookSecrets } from '../secrets/org-webhook-secrets';
import type { AttemptOutcome } from './deliveries.repository';

export type AttemptVerdict = 'succeeded' | 'failed' | 'gone';

export interface SentAttempt extends AttemptOutcome {
  verdict: AttemptVerdict;
}

/** What an answer means: 2xx delivered, 410 "stop sending", anything else (3xx included) a failure. */
export function verdictOf(status: number): { verdict: AttemptVerdict; error: string | null } {
  if (status >= 200 && status < 300) return { verdict: 'succeeded', error: null };
  if (status === 410) return { verdict: 'gone', error: 'HTTP 410 Gone: the receiver asked to stop deliveries' };
  if (status >= 300 && status < 400) return { verdict: 'failed', error: `HTTP ${status}: redirects are not followed` };
  return { verdict: 'failed', error: `HTTP ${status}` };
}

/**
 * One POST of a delivery: the stored payload, freshly signed (the timestamp is the send time,
 * so a retry hours later still verifies), through the one outbound client (SSRF rules, no
 * redirects), with WEBHOOK_TIMEOUT_MS for the whole call.
 */
@Injectable()
export class WebhookSender {
  private readonly logger = new Logger(WebhookSender.name);

  constructor(
    private readonly outbound: OutboundHttpClient,
    private readonly secrets: OrgWebhookSecrets,
    private readonly config: AppConfig,
  ) {}

  async send(delivery: DeliveryRow): Promise<SentAttempt> {
    const started = performance.now();
    const took = () => performance.now() - started;
    try {
      const body = serializePayload(delivery.payload);
      const signed = await this.secrets.sign(delivery.org_id, delivery.id, new Date(), body);
      const res = await this.outbound.request({
        url: delivery.url,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'agent-jobs-webhooks/1.0', ...signed },
        body,
        timeoutMs: this.config.WEBHOOK_TIMEOUT_MS,
      });
      return { ...verdictOf(res.status), statusCode: res.status, durationMs: took() };
    } catch (err) {
      if (err instanceof OutboundError) return { verdict: 'failed', statusCode: null, error: err.message, durationMs: took() };
      // Our side failed (database, secrets): counted as a failed attempt so the retry policy still applies.
      this.logger.warn(`delivery ${delivery.id}: ${(err as Error).message}`);
      return { verdict: 'failed', statusCode: null, error: 'internal error before the request was sent', durationMs: took() };
    }
  }
}
