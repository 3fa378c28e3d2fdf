/**
 * Errors of the outbound HTTP client.
 *
 * Messages say what happened and name at most the host (never the path, the
 * query string, credentials, headers or bodies: webhook URLs and headers often
 * carry secrets).
 */
export type OutboundErrorCode =
  /** The URL cannot be parsed. */
  | 'INVALID_URL'
  /** The URL or the address it resolves to is not allowed (scheme, credentials, SSRF rules). */
  | 'URL_REFUSED'
  /** DNS + TCP (+ TLS) connect did not finish within connectTimeoutMs. */
  | 'CONNECT_TIMEOUT'
  /** The whole call (queueing, connect, request, response body) did not finish in time. */
  | 'TIMEOUT'
  /** The caller's AbortSignal fired. */
  | 'ABORTED'
  /** The response body is larger than maxResponseBytes (by Content-Length or as streamed). */
  | 'RESPONSE_TOO_LARGE'
  /** Connection refused/reset, DNS failure, TLS failure, connection closed early... */
  | 'NETWORK_ERROR'
  /** The response is not valid HTTP, or `json()` was called on a body that is not JSON. */
  | 'INVALID_RESPONSE';

export class OutboundError extends Error {
  readonly code: OutboundErrorCode;

  constructor(code: OutboundErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OutboundError';
    this.code = code;
  }
}

export function isOutboundError(err: unknown, code?: OutboundErrorCode): err is OutboundError {
  return err instanceof OutboundError && (code === undefined || err.code === code);
}
