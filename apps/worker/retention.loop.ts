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
  /** What the batches of this round (until one is not full) deleted: one log line per round, not per batch. */
  private round = { jobs: 0, keys: 0 };

  constructor(retention: JobRetentionService, config: AppConfig) {
    const logger = new Logger(RetentionLoop.name);
    super({
      name: 'retention pass',
      intervalMs: () => config.RETENTION_INTERVAL_MS,
      pass: async () => {
        const batch = await retention.expireBatch(this.after);
        this.after = batch.next ?? undefined;
        this.round.jobs += batch.jobs;
        this.round.keys += batch.keys;
        if (!batch.more) {
          if (this.round.jobs || this.round.keys) {
            logger.log(`retention deleted ${this.round.jobs} finished job(s) and ${this.round.keys} expired idempotency key(s)`);
          }
          this.round = { jobs: 0, keys: 0 };
        }
        return batch;
      },
      runAgainAtOnce: (b) => b.more,
      logger,
    });
  }
}
