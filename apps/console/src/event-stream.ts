/**
 * Server-sent events over fetch: EventSource cannot send an Authorization header, and the token
 * must never go into a URL, so the stream is read from a fetch body instead. When the connection
 * drops, it reconnects with `Last-Event-ID` = the last event seen, and the API replays what was
 * missed (spec: "Events and live streams"): no gap, no duplicate.
 */
export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

/** Parses the text/event-stream format incrementally (chunks may split lines anywhere). */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;

  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const out: SseMessage[] = [];
    // A trailing CR may be the first half of a CRLF split across chunks: kept for the next chunk.
    const complete = this.buffer.endsWith('\r') ? this.buffer.slice(0, -1) : this.buffer;
    const lines = complete.split(/\r\n|\r|\n/);
    this.buffer = (lines.pop() ?? '') + (complete === this.buffer ? '' : '\r');
    for (const line of lines) {
      if (line === '') {
        if (this.data.length) out.push({ id: this.id, event: this.event || 'message', data: this.data.join('\n') });
        // The spec's "last event ID" persists from message to message; data and type do not.
        this.data = [];
        this.event = '';
        continue;
      }
      if (line.startsWith(':')) continue; // a comment (": ping")
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') this.data.push(value);
      else if (field === 'event') this.event = value;
      else if (field === 'id') this.id = value;
    }
    return out;
  }
}

export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface StreamOptions {
  url: string;
  headers: () => Record<string, string>;
  onMessage: (message: SseMessage) => void;
  onState?: (state: StreamState) => void;
  /** A 4xx other than 408 and 429 (a refused token, an unknown job): the stream stops, not retried. */
  onRefused?: (status: number) => void;
  /** Resume after this event id (e.g. kept from an earlier stream). */
  lastEventId?: string;
  retryMs?: number;
  fetch?: typeof fetch;
}

export interface EventStream {
  close(): void;
  lastEventId(): string | undefined;
}

export function openEventStream(options: StreamOptions): EventStream {
  const doFetch = options.fetch ?? fetch.bind(globalThis);
  const retryMs = options.retryMs ?? 2000;
  let lastId = options.lastEventId;
  let closed = false;
  let controller: AbortController | undefined;
  const setState = (s: StreamState) => options.onState?.(s);

  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  async function readOnce(): Promise<'again' | 'stop'> {
    controller = new AbortController();
    const headers: Record<string, string> = { Accept: 'text/event-stream', ...options.headers() };
    if (lastId !== undefined) headers['Last-Event-ID'] = lastId;
    const response = await doFetch(options.url, { headers, signal: controller.signal, cache: 'no-store' });
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
      options.onRefused?.(response.status);
      return 'stop';
    }
    if (!response.ok || !response.body) return 'again';
    setState('open');
    const parser = new SseParser();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return 'again';
      for (const message of parser.push(value)) {
        if (message.id !== undefined) lastId = message.id;
        options.onMessage(message);
      }
    }
  }

  void (async () => {
    setState('connecting');
    while (!closed) {
      let next: 'again' | 'stop' = 'again';
      try {
        next = await readOnce();
      } catch {
        // dropped connection, or closed by us: decided below
      }
      if (closed || next === 'stop') break;
      setState('reconnecting');
      await wait(retryMs);
    }
    setState('closed');
  })();

  return {
    close() {
      closed = true;
      controller?.abort();
    },
    lastEventId: () => lastId,
  };
}
