import type { Response } from 'express';

/**
 * One Server-Sent Events message: `id:` (when given), `event:` and `data:` lines. JSON.stringify
 * escapes newlines, so the data is always one line.
 */
export const sseMessage = (event: string, data: unknown, id?: number | string): string =>
  `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * One client's `text/event-stream` response (the job and org streams, a chat turn's stream).
 * Bytes the client has not read yet queue in the socket's buffer (writableLength); past
 * `maxBufferBytes` the client is dropped rather than held in memory: a job stream's client
 * reconnects with Last-Event-ID and replays what it missed.
 */
export class SseResponse {
  private closed = false;
  private readonly closeListeners: Array<() => void> = [];

  constructor(private readonly res: Response, private readonly maxBufferBytes: number) {
    res.once('close', () => this.markClosed());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  open(): void {
    this.res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // Proxies (nginx) must pass each message on as it comes.
      'X-Accel-Buffering': 'no',
    });
    this.res.flushHeaders();
  }

  /** Queues `text`; false (and the client dropped) when that puts it past the cap. */
  write(text: string): boolean {
    if (this.closed) return false;
    this.res.write(text);
    if (this.res.writableLength > this.maxBufferBytes) {
      this.drop();
      return false;
    }
    return true;
  }

  /** Writes `text`, then waits until the socket takes more (replay goes at the client's pace). False once closed. */
  async writePaced(text: string): Promise<boolean> {
    if (this.closed) return false;
    if (this.res.write(text)) return true;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.res.off('drain', done).off('close', done);
        resolve();
      };
      this.res.on('drain', done).on('close', done);
    });
    return !this.closed;
  }

  /** Queues one message (see write). */
  send(event: string, data: unknown, id?: number | string): boolean {
    return this.write(sseMessage(event, data, id));
  }

  ping(): void {
    this.write(': ping\n\n');
  }

  /** The stream is over: what is queued still goes out, then the response ends. */
  end(): void {
    if (this.closed) return;
    this.res.end();
    this.markClosed();
  }

  /** Gone at once, queued bytes discarded. */
  drop(): void {
    if (this.closed) return;
    this.res.destroy();
    this.markClosed();
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closeListeners.splice(0)) l();
  }
}
