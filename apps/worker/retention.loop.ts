import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, PeriodicLoop } from '@app/common';
import { JobRetentionService, RetentionBatch, WalkKey } from '@app/jobs';

/**
 * Retention every RETENTION_INTERVAL_MS: one small batch per pass, the next at once while
 * batches are full, walking on from the last root so kept trees are passed once per round.
 * Safe with several workers: each batch locks its roots FOR UPDATE SKIP LOCKED.
 * (Expired sessions are swept by the sessions library's own SessionSweeperLoop.)
 */
@Injectable()
export class RetentionLoop extends PeriodicLoop<RetentionBatch> {
  private after: WalkKey | undefined;

  constructor(retention: JobRetentionService, config: AppConfig) {
    super({
      name: 'retention pass',
      intervalMs: () => config.RETENTION_INTERVAL_MS,
      pass: async () => {
        const batch = await retention.expireBatch(this.after);
        this.after = batch.next ?? undefined;
        return batch;
      },
      runAgainAtOnce: (b) => b.more,
      logger: new Logger(RetentionLoop.name),
    });
  }
}
