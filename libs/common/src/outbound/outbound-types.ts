import type * as dns from 'node:dns';
import { OutboundError } from './outbound-errors';

export interface OutboundClientOptions {
  /** OUTBOUND_ALLOW_PRIVATE_NETWORKS: skip the SSRF address rules (schemes are still checked). */
  allowPrivateNetworks: boolean;
  /** DNS + TCP (+ TLS) connect timeout for a new connection, default 5000. */
  connectTimeoutMs: number;
  /** Total timeout of a call (connect + request + response body), default 30000. */
  defaultTimeoutMs: number;
  /** Response body cap, default 1_048_576. */
  maxResponseBytes: number;
  /** Max concurrent connections per host:port and scheme; further calls wait for a free one. Default: no limit. */
  maxSocketsPerHost?: number;
  /**
   * Idle keep-alive connections are closed after this many ms, default 4000
   * (below the usual 5 s server keep-alive timeout; a server's `Keep-Alive:
   * timeout=N` hint is honoured too).
   */
  idleSocketTimeoutMs?: number;
  /**
   * Replaces dns.lookup for host names (custom resolvers, tests). Every address
   * it returns is checked against the SSRF rules.
   */
  resolveHost?: HostResolver;
}

export type HostResolver = (hostname: string) => Promise<dns.LookupAddress[]>;

export interface OutboundRequest {
  url: string;
  /** Default 'POST' when a body is given, else 'GET'. */
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Total timeout of this call, overrides defaultTimeoutMs. */
  timeoutMs?: number;
  /** Caller abort (job canceled / deadline): rejects with ABORTED and destroys the connection. */
  signal?: AbortSignal;
  /**
   * Default true: a pooled keep-alive connection that fails before any response is retried
   * once on a fresh connection. Set false for calls that must never be sent twice (the
   * server may have acted on the first one, e.g. posting a Slack message); the caller then
   * gets the NETWORK_ERROR and decides.
   */
  retryStaleConnection?: boolean;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text(): string;
  /** Throws OutboundError INVALID_RESPONSE when the body is not JSON. */
  json<T = unknown>(): T;
}

/** A response whose body was read in full (within the size cap). */
export class BufferedResponse implements OutboundResponse {
  constructor(
    readonly status: number,
    readonly headers: Record<string, string | string[] | undefined>,
    readonly body: Buffer,
  ) {}

  text(): string {
    return this.body.toString('utf8');
  }

  json<T = unknown>(): T {
    try {
      return JSON.parse(this.text()) as T;
    } catch {
      throw new OutboundError('INVALID_RESPONSE', `invalid response: the body of the HTTP ${this.status} response is not valid JSON`);
    }
  }
}
