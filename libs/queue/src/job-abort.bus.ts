import { Injectable } from '@nestjs/common';
import { Broadcasts } from './broadcasts';

type AbortListener = (jobId: string, reason: string) => void;

const TOPIC = 'job-abort';

/**
 * Tells every worker process that a job must stop (canceled, timed out), as a broadcast on
 * `<QUEUE_PREFIX>:job-abort`. Each worker aborts its in-flight agent call for that job, if it
 * has one; a lost message only makes the abort late (the conditional updates in Postgres
 * keep the job stopped).
 */
@Injectable()
export class JobAbortBus {
  constructor(private readonly broadcasts: Broadcasts) {}

  async publish(jobId: string, reason: string): Promise<void> {
    await this.broadcasts.publish(TOPIC, { jobId, reason });
  }

  subscribe(listener: AbortListener): Promise<void> {
    return this.broadcasts.subscribe(TOPIC, {
      message: (m) => {
        const { jobId, reason } = (m ?? {}) as { jobId?: unknown; reason?: unknown };
        if (typeof jobId === 'string') listener(jobId, String(reason));
      },
    });
  }
}
