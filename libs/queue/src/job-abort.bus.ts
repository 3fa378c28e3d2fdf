import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { RedisPubSub } from './redis-pubsub';

type AbortListener = (jobId: string, reason: string) => void;

/**
 * Tells every worker process that a job must stop (canceled, timed out), over Redis
 * pub/sub. Each worker aborts its in-flight agent call for that job, if it has one.
 */
@Injectable()
export class JobAbortBus {
  private readonly logger = new Logger(JobAbortBus.name);
  private readonly channel: string;

  constructor(config: AppConfig, private readonly pubsub: RedisPubSub) {
    this.channel = `${config.QUEUE_PREFIX}:job-abort`;
  }

  async publish(jobId: string, reason: string): Promise<void> {
    try {
      await this.pubsub.publish(this.channel, JSON.stringify({ jobId, reason }));
    } catch (err) {
      // The conditional updates in Postgres still keep the job stopped; only the abort is late.
      this.logger.warn(`abort of ${jobId} not broadcast: ${(err as Error).message}`);
    }
  }

  async subscribe(listener: AbortListener): Promise<void> {
    await this.pubsub.subscribe(this.channel, (message) => {
      let parsed: { jobId?: unknown; reason?: unknown };
      try {
        parsed = JSON.parse(message);
      } catch {
        return this.logger.warn('ignored a malformed abort message');
      }
      if (typeof parsed.jobId !== 'string') return;
      listener(parsed.jobId, String(parsed.reason));
    });
  }
}
