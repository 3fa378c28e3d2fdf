import { STATUS_CODES } from 'node:http';
import type { OutboundHttpClient } from './outbound-http.client';
import type { OutboundResponse } from './outbound-types';

export interface OutboundFetchOptions {
  /** Total timeout of one call. */
  timeoutMs: number;
  /**
   * Whether a call may be re-sent on a fresh connection when a pooled one fails before any
   * answer. False for calls with effects (chat.postMessage): the server may have acted.
   */
  mayResend: (url: string) => boolean;
}

/** Headers as SDKs pass them: a plain object (@slack/web-api) or a WHATWG Headers / entry list (openai). */
export type FetchHeaders = Record<string, string> | Iterable<[string, string]>;

/** The part of WHATWG fetch that SDKs taking a `fetch` option call (@slack/web-api's FetchFunction, openai's Fetch). */
export interface FetchInit {
  method?: string;
  headers?: FetchHeaders;
  body?: unknown;
  signal?: AbortSignal | null;
}

export interface FetchResult {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly url: string;
  readonly headers: { get(name: string): string | null; entries(): Iterable<[string, string]> };
  arrayBuffer(): Promise<ArrayBuffer>;
  json(): Promise<unknown>;
  text(): Promise<string>;
}

export type OutboundFetch = (input: string | URL, init?: FetchInit) => Promise<FetchResult>;

/**
 * A fetch-shaped function for SDKs that take one (the Slack WebClient, the OpenAI client) that sends every call
 * through the service's one OutboundHttpClient (SSRF rules, timeouts, size cap, no
 * redirects): an SDK's calls take the same path as every other outbound call. Only string
 * bodies: we never upload files.
 */
export function outboundFetch(client: OutboundHttpClient, options: OutboundFetchOptions): OutboundFetch {
  return async (input, init = {}) => {
    const url = String(input);
    if (init.body !== undefined && typeof init.body !== 'string') {
      throw new Error('multipart bodies are not supported by the outbound fetch');
    }
    const res = await client.request({
      url,
      method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
      headers: plainHeaders(init.headers),
      body: init.body,
      signal: init.signal ?? undefined,
      timeoutMs: options.timeoutMs,
      retryStaleConnection: options.mayResend(url),
    });
    return toFetchResponse(res, url);
  };
}

function plainHeaders(headers: FetchHeaders | undefined): Record<string, string> | undefined {
  if (!headers || !(Symbol.iterator in headers)) return headers as Record<string, string> | undefined;
  return Object.fromEntries(headers as Iterable<[string, string]>);
}

function toFetchResponse(res: OutboundResponse, url: string): FetchResult {
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : value);
  }
  return {
    ok: res.status >= 200 && res.status < 300,
    status: res.status,
    statusText: STATUS_CODES[res.status] ?? '',
    url,
    headers: { get: (name) => headers.get(name.toLowerCase()) ?? null, entries: () => headers.entries() },
    arrayBuffer: async () => res.body.buffer.slice(res.body.byteOffset, res.body.byteOffset + res.body.byteLength) as ArrayBuffer,
    json: async () => JSON.parse(res.text()),
    text: async () => res.text(),
  };
}
