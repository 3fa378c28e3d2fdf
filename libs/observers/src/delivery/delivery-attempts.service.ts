import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, notFound } from '@app/common';
import { addToLogContext } from '@app/common/logging';
import { MetricsService } from '@app/common/metrics';
import { backoffMs, SignedWebhookSender, WebhookAttempt } from '@app/common/outbound';
import { WebhookDeliveryPayload, WebhookDeliveryQueue } from '@app/queue';
import type { DeliveryRow, DeliveryStatus } from '../delivery-types';
import { serializePayload } from '../dispatch/webhook-payload';
import { OrgWebhookSecrets } from '../secrets/org-webhook-secrets';
import { AttemptOutcome, DeliveriesRepository, StartedAttempt } from './deliveries.repository';
import { JobOwnership } from './job-ownership';

/** Beyond the call's own timeout, how long an attempt in flight keeps the reconciler away. */
const LEASE_MARGIN_MS = 15_000;

export interface ManualAttemptResult {
  delivery_id: string;
  webhook_id: string;
  attempt: number;
  manual: true;
  outcome: 'succeeded' | 'failed' | 'stopped';
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  delivery_status: DeliveryStatus;
}

type SentAttempt = Pick<WebhookAttempt, 'verdict' | 'retryAfterMs'> & AttemptOutcome;

/**
 * The delivery policy, on the one webhook rule (webhook-verdict.ts in @app/common/outbound):
 * a 2xx delivers; 410 Gone stops (and skips that URL for the job from then on); a refusal
 * (3xx, 4xx other than 408/425/429, a refused URL) fails the delivery at once; anything else
 * (408, 425, 429, 5xx, timeout, network error) is retried WEBHOOK_MAX_RETRIES times with
 * growing, jittered delays (a 429 waits at least its Retry-After), then the delivery FAILED.
 */
@Injectable()
export class DeliveryAttemptsService {
  private readonly logger = new Logger(DeliveryAttemptsService.name);

  constructor(
    private readonly repo: DeliveriesRepository,
    private readonly sender: SignedWebhookSender,
    private readonly secrets: OrgWebhookSecrets,
    private readonly queue: WebhookDeliveryQueue,
    private readonly ownership: JobOwnership,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  get maxAttempts(): number {
    return 1 + this.config.WEBHOOK_MAX_RETRIES;
  }

  /** One automatic attempt, as queued (Bull job `<delivery_id>:<attempt>`). Safe to run twice. */
  async runAutomatic(job: WebhookDeliveryPayload): Promise<void> {
    if (job.attempt > this.maxAttempts) {
      // Re-queued by the reconciler after the last attempt's worker died: nothing left to try.
      await this.repo.failExhausted(job.org_id, job.delivery_id, job.attempt - 1);
      return;
    }
    const started = await this.repo.startAutomatic(job.org_id, job.delivery_id, job.attempt, this.config.WEBHOOK_TIMEOUT_MS + LEASE_MARGIN_MS);
    if (!started) return; // settled, stopped, or this attempt already ran
    addToLogContext({ job_id: started.delivery.job_id, delivery_id: started.delivery.id });
    const sent = await this.send(started.delivery, 'automatic');
    await this.repo.finishAttempt(started.attemptId, sent);
    await this.settle(started, sent);
  }

  private async settle({ delivery }: StartedAttempt, sent: SentAttempt): Promise<void> {
    const attempt = delivery.attempts;
    const { org_id: orgId, id } = delivery;
    if (sent.verdict === 'delivered') {
      await this.repo.settleAutomatic(orgId, id, attempt, 'SUCCEEDED', sent, null);
    } else if (sent.verdict === 'gone') {
      if (await this.repo.settleAutomatic(orgId, id, attempt, 'STOPPED', sent, null)) {
        await this.repo.stopUrl(orgId, id, delivery.job_id, delivery.url, sent.error!);
      }
    } else if (sent.verdict === 'retry' && attempt < this.maxAttempts) {
      const delay = Math.max(backoffMs(attempt, { baseMs: this.config.WEBHOOK_BACKOFF_BASE_MS }), sent.retryAfterMs ?? 0);
      if (await this.repo.settleAutomatic(orgId, id, attempt, 'PENDING', sent, delay)) {
        await this.queue.enqueue({ org_id: orgId, delivery_id: id, attempt: attempt + 1 }, delay);
      }
    } else {
      await this.repo.settleAutomatic(orgId, id, attempt, 'FAILED', sent, null);
    }
  }

  /**
   * One manual attempt now, with the delivery's webhook-id (receivers dedupe on it). It does
   * not count against the automatic retries; a 2xx marks the delivery SUCCEEDED, a 410 stops it.
   */
  async redeliver(orgId: string, jobId: string, deliveryId: string): Promise<ManualAttemptResult> {
    await this.ownership.assertOwned(orgId, jobId);
    const started = await this.repo.startManual(orgId, jobId, deliveryId);
    if (!started) throw notFound('DELIVERY_NOT_FOUND', `Delivery '${deliveryId}' not found for job '${jobId}'`);
    const { delivery } = started;
    const sent = await this.send(delivery, 'manual');
    await this.repo.finishAttempt(started.attemptId, sent);
    let status = delivery.status;
    if (sent.verdict === 'delivered') {
      await this.repo.markSucceeded(orgId, delivery.id, sent.statusCode!);
      status = 'SUCCEEDED';
    } else if (sent.verdict === 'gone' && delivery.status !== 'SUCCEEDED') {
      await this.repo.stopUrl(orgId, delivery.id, delivery.job_id, delivery.url, sent.error!);
      status = 'STOPPED';
    }
    return {
      delivery_id: delivery.id,
      webhook_id: delivery.id,
      attempt: started.attemptNo,
      manual: true,
      outcome: sent.verdict === 'delivered' ? 'succeeded' : sent.verdict === 'gone' ? 'stopped' : 'failed',
      status_code: sent.statusCode,
      error: sent.error,
      duration_ms: Math.round(sent.durationMs),
      delivery_status: status,
    };
  }

  /** The stored payload (the same bytes every time), signed with the org's live secrets; webhook-id = delivery id. */
  private async send(delivery: DeliveryRow, trigger: 'automatic' | 'manual'): Promise<SentAttempt> {
    let secrets: string[];
    try {
      secrets = await this.secrets.secretsFor(delivery.org_id);
    } catch (err) {
      // Our side failed (database): counted as a failed attempt so the retry policy still applies.
      this.logger.warn(`delivery ${delivery.id}: ${(err as Error).message}`);
      return { verdict: 'retry', statusCode: null, error: 'internal error before the request was sent', durationMs: 0 };
    }
    const attempt = await this.sender.deliver({
      url: delivery.url, msgId: delivery.id, body: serializePayload(delivery.payload), secrets, timeoutMs: this.config.WEBHOOK_TIMEOUT_MS,
    });
    this.metrics.webhookAttempt(attempt.verdict, trigger);
    return { verdict: attempt.verdict, retryAfterMs: attempt.retryAfterMs, statusCode: attempt.statusCode, error: attempt.error?.message ?? null, durationMs: attempt.durationMs };
  }
}
