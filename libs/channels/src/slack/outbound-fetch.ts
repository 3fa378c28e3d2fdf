import { STATUS_CODES } from 'node:http';
import type { FetchFunction } from '@slack/web-api';
import type { OutboundHttpClient, OutboundResponse } from '@app/common/outbound';

export interface OutboundFetchOptions {
  /** Total timeout of one call. */
  timeoutMs: number;
  /**
   * Whether a call may be re-sent on a fresh connection when a pooled one fails before any
   * answer. False for calls with effects (chat.postMessage): the server may have acted.
   */
  mayResend: (url: string) => boolean;
}

/**
 * A WHATWG-fetch-shaped function for @slack/web-api's WebClient that sends every Slack
 * call through the service's one OutboundHttpClient (SSRF rules, timeouts, size cap, no
 * redirects). Only string bodies: we never upload files.
 */
export function outboundFetch(client: OutboundHttpClient, options: OutboundFetchOptions): FetchFunction {
  return async (input, init = {}) => {
    const url = String(input);
    if (init.body !== undefined && typeof init.body !== 'string') {
      throw new Error('multipart bodies are not supported by the outbound Slack transport');
    }
    const res = await client.request({
      url,
      method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
      headers: init.headers,
      body: init.body,
      signal: init.signal,
      timeoutMs: options.timeoutMs,
      retryStaleConnection: options.mayResend(url),
    });
    return toFetchResponse(res, url);
  };
}

type FetchResponse = Awaited<ReturnType<FetchFunction>>;

function toFetchResponse(res: OutboundResponse, url: string): FetchResponse {
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
