import type { OutboundError } from './outbound-errors';
import type { OutboundResponse } from './outbound-types';

/**
 * The one rule for what a webhook receiver's answer means, for observer webhooks and webhook
 * channels alike (docs/webhooks.md, "What an answer means"):
 *
 * - 2xx: delivered.
 * - 410 Gone: the receiver asked to stop: not retried, and nothing more of that job is sent there.
 * - 408, 425, 429 and 5xx: the receiver may take it later: retried (429: not before its Retry-After).
 * - every other 4xx, and 3xx (redirects are never followed): the receiver refused this request,
 *   and the same bytes would be refused again: not retried.
 * - no answer (timeout, connection or DNS error, a malformed or oversized answer): retried.
 * - a URL the outbound rules refuse: not retried (it was allowed at creation; it now resolves
 *   to a forbidden address, and insisting is what a rebinding attack wants).
 */
export type WebhookVerdict = 'delivered' | 'retry' | 'rejected' | 'gone';

export type WebhookErrorCode =
  | 'WEBHOOK_HTTP_ERROR'
  | 'WEBHOOK_REJECTED'
  | 'WEBHOOK_GONE'
  | 'WEBHOOK_TIMEOUT'
  | 'WEBHOOK_UNREACHABLE'
  | 'OUTBOUND_URL_REFUSED';

export interface WebhookJudgement {
  verdict: WebhookVerdict;
  /** Why it was not delivered; the message names at most the host. */
  error: { code: WebhookErrorCode; message: string } | null;
  /** A 429's Retry-After (1 s to 1 h): the earliest the next attempt may go. */
  retryAfterMs?: number;
}

const RETRY_LATER = new Set([408, 425, 429]);
const MIN_RETRY_AFTER_MS = 1000;
const MAX_RETRY_AFTER_MS = 3_600_000;

export function judgeStatus(res: Pick<OutboundResponse, 'status' | 'headers'>): WebhookJudgement {
  const { status } = res;
  if (status >= 200 && status < 300) return { verdict: 'delivered', error: null };
  if (status === 410) return { verdict: 'gone', error: { code: 'WEBHOOK_GONE', message: 'HTTP 410 Gone: the receiver asked to stop deliveries' } };
  if (status >= 500 || RETRY_LATER.has(status)) {
    const retryAfterMs = status === 429 ? parseRetryAfter(res.headers['retry-after']) : undefined;
    return { verdict: 'retry', error: { code: 'WEBHOOK_HTTP_ERROR', message: `HTTP ${status}` }, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  const message = status >= 300 && status < 400 ? `HTTP ${status}: redirects are not followed` : `HTTP ${status}: the receiver refused the request`;
  return { verdict: 'rejected', error: { code: 'WEBHOOK_REJECTED', message } };
}

export function judgeError(err: OutboundError): WebhookJudgement {
  if (err.code === 'URL_REFUSED' || err.code === 'INVALID_URL') return { verdict: 'rejected', error: { code: 'OUTBOUND_URL_REFUSED', message: err.message } };
  const code = err.code === 'TIMEOUT' || err.code === 'CONNECT_TIMEOUT' ? 'WEBHOOK_TIMEOUT' : 'WEBHOOK_UNREACHABLE';
  return { verdict: 'retry', error: { code, message: err.message } };
}

/** Retry-After as seconds or an HTTP date, within [1 s, 1 h]; undefined when absent or unreadable. Also the model client's. */
export function parseRetryAfter(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const ms = /^\d+$/.test(value.trim()) ? Number(value.trim()) * 1000 : Date.parse(value) - Date.now();
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, ms));
}
