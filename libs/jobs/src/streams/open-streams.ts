import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { TokenService } from '@app/auth';
import { AppConfig, PeriodicTask } from '@app/common';
import type { LiveStream } from './live-stream';

/** The token re-check never runs more often than this, whatever TOKEN_CACHE_TTL_MS says. */
const MIN_TOKEN_CHECK_MS = 100;

/**
 * The process's open streams: one ping timer for all of them, one re-check of their tokens
 * (a single query for all) every half TOKEN_CACHE_TTL_MS so a revoked or expired token's
 * streams end within TOKEN_CACHE_TTL_MS, and every stream ended on shutdown so that the
 * HTTP server can close.
 */
@Injectable()
export class OpenStreams implements BeforeApplicationShutdown {
  private readonly logger = new Logger(OpenStreams.name);
  private readonly streams = new Set<LiveStream>();
  private pinger?: NodeJS.Timeout;
  private tokenCheck?: PeriodicTask;
  private closing = false;

  constructor(private readonly config: AppConfig, private readonly tokens: TokenService) {}

  get size(): number {
    return this.streams.size;
  }

  add(stream: LiveStream): void {
    if (this.closing) return stream.end();
    this.streams.add(stream);
    stream.onClose(() => {
      this.streams.delete(stream);
      if (!this.streams.size) this.stopTimers();
    });
    if (this.streams.size === 1 && !stream.closed) this.startTimers();
  }

  beforeApplicationShutdown(): void {
    this.closing = true;
    for (const stream of [...this.streams]) stream.end();
    this.stopTimers();
  }

  private startTimers(): void {
    this.pinger = setInterval(() => { for (const s of this.streams) s.ping(); }, this.config.STREAM_PING_INTERVAL_MS);
    this.tokenCheck = new PeriodicTask({
      name: 'stream token check',
      intervalMs: () => Math.max(MIN_TOKEN_CHECK_MS, Math.floor(this.config.TOKEN_CACHE_TTL_MS / 2)),
      pass: () => this.checkTokens(),
      logger: this.logger,
    });
    this.tokenCheck.start(Math.max(MIN_TOKEN_CHECK_MS, Math.floor(this.config.TOKEN_CACHE_TTL_MS / 2)));
  }

  private stopTimers(): void {
    clearInterval(this.pinger);
    this.pinger = undefined;
    void this.tokenCheck?.stop();
    this.tokenCheck = undefined;
  }

  private async checkTokens(): Promise<void> {
    const streams = [...this.streams];
    if (!streams.length) return;
    // A failed read (Postgres away) keeps the streams open: the next pass decides.
    const active = await this.tokens.activeIds([...new Set(streams.map((s) => s.tokenId))]);
    for (const stream of streams) if (!active.has(stream.tokenId)) stream.end();
  }
}
