import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { OutboundError } from '@app/common/outbound';
import { classifyModelError } from './model-errors';

const headers = (h: Record<string, string> = {}) => new Headers(h);
const classify = (err: unknown, transport?: unknown) => classifyModelError(err, transport, 'models.test', (s) => s.split('sk-secret').join('[redacted]'));
const status = (code: number, body: unknown, h?: Record<string, string>) => APIError.generate(code, { error: body }, undefined, headers(h));

describe('classifyModelError', () => {
  it('401/403 are MODEL_AUTH_FAILED, 404 MODEL_NOT_FOUND, never retried; the key is redacted from what the server said', () => {
    expect(classify(status(401, { message: 'bad key sk-secret' }))).toEqual({
      code: 'MODEL_AUTH_FAILED', message: 'the model server at models.test answered HTTP 401: bad key [redacted]', retryable: false,
    });
    expect(classify(status(403, { message: 'no' })).code).toBe('MODEL_AUTH_FAILED');
    // Ollama's errors are a plain string.
    expect(classify(status(404, 'model "x" not found'))).toMatchObject({ code: 'MODEL_NOT_FOUND', message: expect.stringContaining('model "x" not found'), retryable: false });
  });

  it('429 is retried after its Retry-After; 5xx is retried; other 4xx are not', () => {
    expect(classify(status(429, { message: 'slow' }, { 'retry-after': '3' }))).toMatchObject({ code: 'MODEL_RATE_LIMITED', retryable: true, retryAfterMs: 3000 });
    expect(classify(status(429, { message: 'slow' })).retryAfterMs).toBeUndefined();
    expect(classify(status(503, { message: 'busy' }))).toMatchObject({ code: 'MODEL_UNAVAILABLE', retryable: true });
    expect(classify(status(400, { message: 'tools not supported' }))).toMatchObject({ code: 'MODEL_BAD_REQUEST', retryable: false });
    expect(classify(status(418, { message: 'teapot' }))).toMatchObject({ code: 'MODEL_HTTP_ERROR', retryable: false });
  });

  it("reads the transport's own error behind the SDK's connection errors", () => {
    const refused = new OutboundError('NETWORK_ERROR', 'network error calling models.test: connection refused (ECONNREFUSED)');
    expect(classify(new APIConnectionError({ cause: refused }), refused)).toEqual({ code: 'AGENT_UNAVAILABLE', message: refused.message, retryable: false });
    const slow = new OutboundError('TIMEOUT', 'timeout: no complete response from models.test within 1000 ms');
    expect(classify(new APIConnectionTimeoutError(), slow)).toMatchObject({ code: 'AGENT_TIMEOUT', message: slow.message });
    expect(classify(new APIConnectionError({}), new OutboundError('URL_REFUSED', 'refused'))).toMatchObject({ code: 'OUTBOUND_URL_REFUSED' });
    expect(classify(new APIConnectionError({}), undefined)).toMatchObject({ code: 'AGENT_UNAVAILABLE' });
    expect(classify(new APIUserAbortError())).toMatchObject({ code: 'ABORTED' });
  });

  it('anything else the server got wrong is AGENT_BAD_RESPONSE', () => {
    expect(classify(new SyntaxError('Unexpected token < in JSON'))).toMatchObject({ code: 'AGENT_BAD_RESPONSE', retryable: false });
  });
});
