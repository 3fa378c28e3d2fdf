import { OutboundError } from './outbound-errors';
import { judgeError, judgeStatus } from './webhook-verdict';

const status = (code: number, headers: Record<string, string> = {}) => judgeStatus({ status: code, headers });

describe('the webhook rule', () => {
  it('2xx delivers', () => {
    expect(status(200)).toEqual({ verdict: 'delivered', error: null });
    expect(status(204)).toEqual({ verdict: 'delivered', error: null });
  });

  it('410 stops', () => {
    expect(status(410)).toEqual({ verdict: 'gone', error: { code: 'WEBHOOK_GONE', message: expect.stringContaining('410 Gone') } });
  });

  it.each([408, 425, 429, 500, 502, 503, 504])('%i is retried', (code) => {
    expect(status(code)).toEqual({ verdict: 'retry', error: { code: 'WEBHOOK_HTTP_ERROR', message: `HTTP ${code}` } });
  });

  it.each([400, 401, 403, 404, 409, 413, 422])('%i is final', (code) => {
    expect(status(code)).toEqual({ verdict: 'rejected', error: { code: 'WEBHOOK_REJECTED', message: `HTTP ${code}: the receiver refused the request` } });
  });

  it('a redirect is final and never followed', () => {
    expect(status(302, { location: 'https://elsewhere' })).toEqual({ verdict: 'rejected', error: { code: 'WEBHOOK_REJECTED', message: 'HTTP 302: redirects are not followed' } });
  });

  it("a 429's Retry-After (seconds or a date) sets the earliest retry, within 1 s to 1 h", () => {
    expect(status(429, { 'retry-after': '7' }).retryAfterMs).toBe(7000);
    expect(status(429, { 'retry-after': '0' }).retryAfterMs).toBe(1000);
    expect(status(429, { 'retry-after': '86400' }).retryAfterMs).toBe(3_600_000);
    const inTwoMinutes = new Date(Date.now() + 120_000).toUTCString();
    expect(status(429, { 'retry-after': inTwoMinutes }).retryAfterMs).toBeGreaterThan(100_000);
    expect(status(429, { 'retry-after': 'soon' }).retryAfterMs).toBeUndefined();
    expect(status(429).retryAfterMs).toBeUndefined();
    expect(status(503, { 'retry-after': '7' }).retryAfterMs).toBeUndefined();
  });

  it('no answer is retried; a refused URL is final', () => {
    expect(judgeError(new OutboundError('TIMEOUT', 'timeout'))).toEqual({ verdict: 'retry', error: { code: 'WEBHOOK_TIMEOUT', message: 'timeout' } });
    expect(judgeError(new OutboundError('CONNECT_TIMEOUT', 'ct')).error!.code).toBe('WEBHOOK_TIMEOUT');
    for (const code of ['NETWORK_ERROR', 'RESPONSE_TOO_LARGE', 'INVALID_RESPONSE'] as const) {
      expect(judgeError(new OutboundError(code, 'x'))).toEqual({ verdict: 'retry', error: { code: 'WEBHOOK_UNREACHABLE', message: 'x' } });
    }
    for (const code of ['URL_REFUSED', 'INVALID_URL'] as const) {
      expect(judgeError(new OutboundError(code, 'no'))).toEqual({ verdict: 'rejected', error: { code: 'OUTBOUND_URL_REFUSED', message: 'no' } });
    }
  });
});
