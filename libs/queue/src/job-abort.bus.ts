import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { AppConfig } from '@app/common';
import { createRedis } from './redis-connection';

type AbortListener = (jobId: string, reason: string) => void;

/**
 * Tells every worker process that a job must stop (canceled, timed out), over Redis
 * pub/sub. Each worker aborts its in-flight agent call for that job, if it has one.
 */
@Injectable()
export class JobAbortBus implements OnApplicationShutdown {
  private readonly logger = new Logger(JobAbortBus.name);
  private readonly channel: string;
  private publisher?: Redis;
  private subscriber?: Redis;
  private readonly listeners = new Set<AbortListener>();

  constructor(private readonly config: AppConfig) {
    this.channel = `${config.QUEUE_PREFIX}:job-abort`;
  }

  async publish(jobId: string, reason: string): Promise<void> {
    this.publisher ??= createRedis(this.config, { commandTimeout: this.config.REDIS_TIMEOUT_MS });
    try {
      await this.publisher.publish(this.channel, JSON.stringify({ jobId, reason }));
    } catch (err) {
      // The conditional updates in Postgres still keep the job stopped; only the abort is late.
      this.logger.warn(`abort of ${jobId} not broadcast: ${(err as Error).message}`);
    }
  }

  async subscribe(listener: AbortListener): Promise<void> {
    this.listeners.add(listener);
    if (this.subscriber) return;
    this.subscriber = createRedis(this.config, { maxRetriesPerRequest: null });
    this.subscriber.on('message', (_channel, message) => {
      let parsed: { jobId?: unknown; reason?: unknown };
      try {
        parsed = JSON.parse(message);
      } catch {
        return this.logger.warn('ignored a malformed abort message');
      }
      if (typeof parsed.jobId !== 'string') return;
      for (const l of this.listeners) l(parsed.jobId, String(parsed.reason));
    });
    await this.subscriber.subscribe(this.channel);
  }

  /** After beforeApplicationShutdown: cancels keep reaching running tasks during the shutdown grace. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.publisher?.quit(), this.subscriber?.quit()].map((p) => p?.catch(() => undefined)));
  }
}
