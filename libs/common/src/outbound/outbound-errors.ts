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

const NETWORK_ERROR_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed (temporary)',
  EADDRNOTAVAIL: 'address not available',
};

export function abortedError(hostLabel: string): OutboundError {
  return new OutboundError('ABORTED', `aborted: the call to ${hostLabel} was canceled`);
}

export function tooLarge(hostLabel: string, max: number, declared?: number): OutboundError {
  const what =
    declared === undefined
      ? `the response from ${hostLabel} exceeds`
      : `the response from ${hostLabel} declares ${declared} bytes (Content-Length), more than`;
  return new OutboundError('RESPONSE_TOO_LARGE', `response too large: ${what} the ${max} bytes allowed`);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A socket, DNS or parser error as an OutboundError that names the host only. */
export function networkError(err: unknown, hostLabel: string): OutboundError {
  if (err instanceof OutboundError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (code.startsWith('HPE_')) {
    return new OutboundError(
      code === 'HPE_HEADER_OVERFLOW' ? 'RESPONSE_TOO_LARGE' : 'INVALID_RESPONSE',
      `invalid response: ${hostLabel} sent a malformed HTTP response (${code})`,
      { cause: err },
    );
  }
  const text = NETWORK_ERROR_TEXT[code];
  const detail = text ? `${text} (${code})` : errorMessage(err);
  return new OutboundError('NETWORK_ERROR', `network error calling ${hostLabel}: ${detail}`, { cause: err });
}
