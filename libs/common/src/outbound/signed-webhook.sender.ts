import { Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { standardWebhookHeaders } from '../crypto/standard-webhooks';
import { OutboundError } from './outbound-errors';
import { OutboundHttpClient } from './outbound-http.client';
import type { OutboundResponse } from './outbound-types';
import { judgeError, judgeStatus, WebhookJudgement } from './webhook-verdict';

export interface SignedPost {
  url: string;
  /** webhook-id, the same on every retry of one message. */
  msgId: string;
  /** The exact JSON bytes sent and signed. */
  body: string;
  /** One signature per secret: the current one first, then any that still signs during a rotation. */
  secrets: readonly string[];
  /** Whole-call timeout. */
  timeoutMs: number;
  /** Headers besides content-type and the signature (user-agent, idempotency-key...). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface WebhookAttempt extends WebhookJudgement {
  /** The receiver's HTTP status, null when there was no answer. */
  statusCode: number | null;
  durationMs: number;
}

/**
 * The one signed sender: a JSON POST with Standard Webhooks headers, signed at send time
 * (a retry hours later still verifies), through the one outbound client (SSRF rules, no
 * redirects, size cap). Agents, observer webhooks and webhook channels all go through it.
 */
@Injectable()
export class SignedWebhookSender {
  constructor(private readonly outbound: OutboundHttpClient) {}

  /** Any answer resolves (the caller reads it); no answer rejects with an OutboundError. */
  post(req: SignedPost): Promise<OutboundResponse> {
    // Never unsigned: an empty list would send a request without a signature.
    if (!req.secrets.length) throw new Error('a signed message needs at least one secret');
    const signed = standardWebhookHeaders([...req.secrets], req.msgId, new Date(), req.body);
    return this.outbound.request({
      url: req.url,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...req.headers, ...signed },
      body: req.body,
      timeoutMs: req.timeoutMs,
      signal: req.signal,
    });
  }

  /** One webhook attempt, judged by the one delivery rule (webhook-verdict.ts). */
  async deliver(req: SignedPost): Promise<WebhookAttempt> {
    const started = performance.now();
    try {
      const res = await this.post({ ...req, headers: { 'user-agent': 'agent-jobs-webhooks/1.0', ...req.headers } });
      return { ...judgeStatus(res), statusCode: res.status, durationMs: performance.now() - started };
    } catch (err) {
      if (!(err instanceof OutboundError)) throw err;
      return { ...judgeError(err), statusCode: null, durationMs: performance.now() - started };
    }
  }
}
