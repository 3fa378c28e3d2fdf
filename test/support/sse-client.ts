import type { JobEvent } from './jobs';
import { eventually } from './test-app';

/** One dispatched SSE message (event-stream parsing as the WHATWG spec has it). */
export interface SseMessage {
  id: string;
  event: string;
  data: string;
}

/**
 * A real SSE client for the tests: fetch's body stream through an event-stream parser.
 * Collects messages and comment lines; reading can be paused (a slow client), and `ended`
 * resolves when the server ends or drops the response.
 */
export class SseClient {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  status = 0;
  headers = new Headers();
  /** The body of a response that is not a stream (problem+json). */
  body: unknown;
  ended!: Promise<'ended' | 'dropped'>;
  private reader?: ReadableStreamDefaultReader<Uint8Array>;
  private readonly abort = new AbortController();
  private paused?: { resume: () => void; wait: Promise<void> };
  private pending = '';
  private fields: { id?: string; event?: string; data: string[] } = { data: [] };
  private lastId = '';
  private done = false;
  private bytes = 0;

  /** GETs `url`; with a `body`, POSTs it as JSON (a chat turn answered as events). */
  static async open(url: string, headers: Record<string, string> = {}, body?: unknown): Promise<SseClient> {
    const client = new SseClient();
    const post = body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) };
    const jsonType: Record<string, string> = body === undefined ? {} : { 'Content-Type': 'application/json' };
    const res = await fetch(url, { ...post, headers: { Accept: 'text/event-stream', ...jsonType, ...headers }, signal: client.abort.signal });
    client.status = res.status;
    client.headers = res.headers;
    if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
      const text = await res.text();
      client.bytes = Buffer.byteLength(text);
      try { client.body = JSON.parse(text); } catch { client.body = text; }
      client.done = true;
      client.ended = Promise.resolve('ended');
      return client;
    }
    client.reader = res.body!.getReader();
    client.ended = client.pump();
    return client;
  }

  /** The parsed `data` of every message, as events. */
  get events(): JobEvent[] {
    return this.messages.map((m) => JSON.parse(m.data) as JobEvent);
  }

  get ids(): number[] {
    return this.messages.map((m) => Number(m.id));
  }

  /** The last event id received, as EventSource keeps it for Last-Event-ID. */
  get lastEventId(): string {
    return this.lastId;
  }

  get isDone(): boolean {
    return this.done;
  }

  get bytesRead(): number {
    return this.bytes;
  }

  pause(): void {
    if (this.paused) return;
    let resume!: () => void;
    const wait = new Promise<void>((r) => { resume = r; });
    this.paused = { resume, wait };
  }

  resume(): void {
    const p = this.paused;
    this.paused = undefined;
    p?.resume();
  }

  /** Waits until `check` holds for the messages received (polling, no fixed sleep). */
  waitFor(check: (c: SseClient) => boolean, timeoutMs = 10_000): Promise<SseClient> {
    return eventually(async () => check(this) && this, timeoutMs, 20);
  }

  waitForCount(n: number, timeoutMs?: number): Promise<SseClient> {
    return this.waitFor((c) => c.messages.length >= n, timeoutMs);
  }

  /** The client hangs up. */
  async close(): Promise<void> {
    this.resume();
    this.abort.abort();
    await this.ended.catch(() => undefined);
  }

  private async pump(): Promise<'ended' | 'dropped'> {
    const decoder = new TextDecoder();
    try {
      for (;;) {
        if (this.paused) await this.paused.wait;
        const { value, done } = await this.reader!.read();
        if (done) return 'ended';
        this.bytes += value.byteLength;
        this.feed(decoder.decode(value, { stream: true }));
      }
    } catch {
      return 'dropped';
    } finally {
      this.done = true;
    }
  }

  private feed(text: string): void {
    this.pending += text;
    const lines = this.pending.split(/\r\n|\r|\n/);
    this.pending = lines.pop()!;
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) {
      this.comments.push(line.slice(1).trim());
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.fields.data.push(value);
    else if (field === 'event') this.fields.event = value;
    else if (field === 'id' && !value.includes('\0')) this.fields.id = value;
  }

  private dispatch(): void {
    const f = this.fields;
    this.fields = { data: [] };
    if (f.id !== undefined) this.lastId = f.id;
    if (!f.data.length) return;
    this.messages.push({ id: this.lastId, event: f.event ?? 'message', data: f.data.join('\n') });
  }
}

/** Opens a stream of the test app with a bearer token (and optional Last-Event-ID). */
export function openStream(base: string, path: string, token: string | null, lastEventId?: string | number): Promise<SseClient> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (lastEventId !== undefined) headers['Last-Event-ID'] = String(lastEventId);
  return SseClient.open(`${base}${path}`, headers);
}
