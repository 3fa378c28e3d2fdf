import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { OutboundError, parseRetryAfter } from '@app/common/outbound';

/** A model call that failed for good: `code` is the task's or turn's error code (docs/decisions.md "openai executor"). */
export class ModelError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'ModelError';
  }
}

export interface ModelFailure {
  code: string;
  message: string;
  /** 429 and 5xx: worth another attempt. */
  retryable: boolean;
  /** A 429's Retry-After. */
  retryAfterMs?: number;
}

const TRANSPORT_CODES: Record<OutboundError['code'], string> = {
  TIMEOUT: 'AGENT_TIMEOUT',
  CONNECT_TIMEOUT: 'AGENT_UNAVAILABLE',
  NETWORK_ERROR: 'AGENT_UNAVAILABLE',
  URL_REFUSED: 'OUTBOUND_URL_REFUSED',
  INVALID_URL: 'OUTBOUND_URL_REFUSED',
  RESPONSE_TOO_LARGE: 'AGENT_BAD_RESPONSE',
  INVALID_RESPONSE: 'AGENT_BAD_RESPONSE',
  ABORTED: 'ABORTED',
};

/**
 * What a failed SDK call means. `transport` is the outbound client's own error for that call
 * when there was one: the SDK wraps it (and drops it from timeouts), so the fetch adapter
 * keeps it for us. `redact` takes the api key out of anything the server said.
 */
export function classifyModelError(err: unknown, transport: unknown, host: string, redact: (s: string) => string): ModelFailure {
  if (err instanceof ModelError) return { code: err.code, message: err.message, retryable: false };
  if (err instanceof APIUserAbortError) return { code: 'ABORTED', message: 'aborted', retryable: false };
  if (err instanceof APIConnectionError || err instanceof OutboundError) {
    const cause = transport instanceof OutboundError ? transport : err instanceof OutboundError ? err : undefined;
    if (!cause) return { code: 'AGENT_UNAVAILABLE', message: `the model server at ${host} could not be reached`, retryable: false };
    return { code: TRANSPORT_CODES[cause.code], message: cause.message, retryable: false };
  }
  if (err instanceof APIError && typeof err.status === 'number') {
    const status = err.status;
    const said = redact(serverMessage(err)).slice(0, 500);
    const message = `the model server at ${host} answered HTTP ${status}${said ? `: ${said}` : ''}`;
    if (status === 401 || status === 403) return { code: 'MODEL_AUTH_FAILED', message, retryable: false };
    if (status === 404) return { code: 'MODEL_NOT_FOUND', message, retryable: false };
    if (status === 429) {
      const header = (err.headers as { get?(name: string): string | null } | undefined)?.get?.('retry-after') ?? undefined;
      return { code: 'MODEL_RATE_LIMITED', message, retryable: true, retryAfterMs: parseRetryAfter(header) };
    }
    if (status >= 500) return { code: 'MODEL_UNAVAILABLE', message, retryable: true };
    if (status === 400 || status === 422) return { code: 'MODEL_BAD_REQUEST', message, retryable: false };
    return { code: 'MODEL_HTTP_ERROR', message, retryable: false };
  }
  // The SDK parsing a 2xx body that is not JSON, or anything else the server got wrong.
  return { code: 'AGENT_BAD_RESPONSE', message: `the model server at ${host} sent an answer that cannot be read: ${redact(String((err as Error)?.message ?? err)).slice(0, 300)}`, retryable: false };
}

/** The error's own words: OpenAI's `{"error": {"message"}}`, Ollama's `{"error": "..."}`, or what the SDK made of the body. */
function serverMessage(err: APIError): string {
  const body = err.error as { message?: unknown } | string | undefined;
  if (typeof body === 'string') return body;
  if (body && typeof body.message === 'string') return body.message;
  return typeof err.message === 'string' ? err.message.replace(/^\d{3}\s*/, '') : '';
}
