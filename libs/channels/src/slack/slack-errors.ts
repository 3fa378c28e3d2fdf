import { ErrorCode } from '@slack/web-api';
import { isOutboundError } from '@app/common/outbound';

/** What a failed Slack call means for a delivery. */
export type SlackFailure =
  | { kind: 'rate_limited'; retryAfterMs: number }
  | { kind: 'permanent'; code: string; message: string }
  /** `maybeSent`: Slack may have acted before failing (5xx, cut connection): check before re-posting. */
  | { kind: 'transient'; code: string; message: string; maybeSent: boolean };

/** Slack error strings worth a retry; every other platform error is permanent (retrying cannot help). */
const TRANSIENT_PLATFORM_ERRORS = new Set(['internal_error', 'fatal_error', 'request_timeout', 'service_unavailable']);
/** Of those, the ones where Slack says nothing was done. */
const NOT_SENT_PLATFORM_ERRORS = new Set(['service_unavailable']);

/** `channel_not_found` → `SLACK_CHANNEL_NOT_FOUND`. */
export const slackErrorCode = (error: string) => `SLACK_${error.toUpperCase().replace(/[^A-Z0-9]+/g, '_').slice(0, 80)}`;

const DEFAULT_RATE_LIMIT_MS = 30_000;

export function classifySlackError(err: unknown): SlackFailure {
  const e = err as { code?: unknown; retryAfter?: unknown; data?: { error?: unknown; response_metadata?: { retryAfter?: unknown } }; statusCode?: unknown; original?: unknown; message?: string };
  switch (e?.code) {
    case ErrorCode.RateLimitedError: {
      const s = Number(e.retryAfter);
      return { kind: 'rate_limited', retryAfterMs: Number.isFinite(s) && s >= 0 ? Math.max(1000, s * 1000) : DEFAULT_RATE_LIMIT_MS };
    }
    case ErrorCode.PlatformError: {
      const error = String(e.data?.error ?? 'unknown_error');
      if (error === 'ratelimited' || error === 'rate_limited') {
        const s = Number(e.data?.response_metadata?.retryAfter);
        return { kind: 'rate_limited', retryAfterMs: Number.isFinite(s) && s > 0 ? s * 1000 : DEFAULT_RATE_LIMIT_MS };
      }
      const message = `Slack answered ${error}`;
      if (TRANSIENT_PLATFORM_ERRORS.has(error)) return { kind: 'transient', code: slackErrorCode(error), message, maybeSent: !NOT_SENT_PLATFORM_ERRORS.has(error) };
      return { kind: 'permanent', code: slackErrorCode(error), message };
    }
    case ErrorCode.HTTPError: {
      const status = Number(e.statusCode);
      return { kind: 'transient', code: 'SLACK_HTTP_ERROR', message: `Slack answered HTTP ${status}`, maybeSent: !(status >= 400 && status < 500) };
    }
    case ErrorCode.RequestError: {
      const original = e.original;
      if (isOutboundError(original, 'URL_REFUSED') || isOutboundError(original, 'INVALID_URL')) {
        return { kind: 'permanent', code: 'SLACK_URL_REFUSED', message: `SLACK_API_URL is not allowed: ${original.message}` };
      }
      const maybeSent = !isOutboundError(original, 'CONNECT_TIMEOUT');
      const detail = original instanceof Error ? original.message : String(original ?? e.message ?? 'request failed');
      return { kind: 'transient', code: 'SLACK_UNREACHABLE', message: `Slack could not be reached: ${detail}`.slice(0, 500), maybeSent };
    }
    default:
      return { kind: 'transient', code: 'SLACK_ERROR', message: String(e?.message ?? err).slice(0, 500), maybeSent: true };
  }
}
