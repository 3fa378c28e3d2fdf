import { ErrorCode } from '@slack/web-api';
import { OutboundError } from '@app/common/outbound';
import { classifySlackError, slackErrorCode } from './slack-errors';

const platform = (error: string, extra: Record<string, unknown> = {}) => ({ code: ErrorCode.PlatformError, data: { ok: false, error, ...extra } });

describe('classifySlackError', () => {
  it('rate limits wait Retry-After seconds', () => {
    expect(classifySlackError({ code: ErrorCode.RateLimitedError, retryAfter: 7 })).toEqual({ kind: 'rate_limited', retryAfterMs: 7000 });
    expect(classifySlackError({ code: ErrorCode.RateLimitedError, retryAfter: 0 })).toEqual({ kind: 'rate_limited', retryAfterMs: 1000 });
    expect(classifySlackError(platform('ratelimited', { response_metadata: { retryAfter: 2 } }))).toEqual({ kind: 'rate_limited', retryAfterMs: 2000 });
  });

  it.each(['channel_not_found', 'not_in_channel', 'invalid_auth', 'is_archived', 'account_inactive', 'token_revoked', 'missing_scope', 'invalid_blocks'])(
    '%s is permanent', (error) => {
      expect(classifySlackError(platform(error))).toEqual({ kind: 'permanent', code: slackErrorCode(error), message: `Slack answered ${error}` });
    },
  );

  it('names codes SLACK_<ERROR>', () => {
    expect(slackErrorCode('channel_not_found')).toBe('SLACK_CHANNEL_NOT_FOUND');
    expect(slackErrorCode('weird-error.x')).toBe('SLACK_WEIRD_ERROR_X');
  });

  it('server trouble is transient; whether Slack may have posted decides the next attempt', () => {
    expect(classifySlackError(platform('internal_error'))).toMatchObject({ kind: 'transient', maybeSent: true });
    expect(classifySlackError(platform('service_unavailable'))).toMatchObject({ kind: 'transient', maybeSent: false });
    expect(classifySlackError({ code: ErrorCode.HTTPError, statusCode: 503 })).toMatchObject({ kind: 'transient', code: 'SLACK_HTTP_ERROR', maybeSent: true });
    expect(classifySlackError({ code: ErrorCode.HTTPError, statusCode: 404 })).toMatchObject({ kind: 'transient', maybeSent: false });
    const reset = new OutboundError('NETWORK_ERROR', 'network error: connection reset');
    expect(classifySlackError({ code: ErrorCode.RequestError, original: reset })).toMatchObject({ kind: 'transient', code: 'SLACK_UNREACHABLE', maybeSent: true });
    const connect = new OutboundError('CONNECT_TIMEOUT', 'connect timeout');
    expect(classifySlackError({ code: ErrorCode.RequestError, original: connect })).toMatchObject({ kind: 'transient', maybeSent: false });
  });

  it('a refused SLACK_API_URL is permanent', () => {
    const refused = new OutboundError('URL_REFUSED', 'refused: 10.0.0.1 is private');
    expect(classifySlackError({ code: ErrorCode.RequestError, original: refused })).toMatchObject({ kind: 'permanent', code: 'SLACK_URL_REFUSED' });
  });
});
