import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/common';
import type { JobStatus } from '../job-status';
import type { JobFilters } from '../job-filters.sql';
import { JobRetentionRepository, WalkKey } from './job-retention.repository';
import { WALK_START } from './retention.sql';

/** One retention batch: jobs and expired idempotency keys deleted; `more` when a batch was full. */
export interface RetentionBatch {
  jobs: number;
  keys: number;
  more: boolean;
  /** Where the next batch of trees goes on from (null: from the start, the walk reached the cutoff). */
  next: WalkKey | null;
}

/**
 * Deletes finished jobs (with their tasks, events, deliveries and posts) a small batch at a
 * time: past RETENTION_DAYS in the worker, or now for an admin's clear. A root takes its whole
 * tree of subjobs; a subjob never goes on its own.
 */
@Injectable()
export class JobRetentionService {
  private readonly logger = new Logger(JobRetentionService.name);

  constructor(private readonly config: AppConfig, private readonly repo: JobRetentionRepository) {}

  /**
   * One batch of the worker's retention, across orgs, from `after` on: expired idempotency keys,
   * and unless RETENTION_DAYS is 0 (keep forever) the trees of roots finished before the cutoff.
   * A kept tree (an unfinished subjob) is walked past, so it never holds the walk up.
   */
  async expireBatch(after: WalkKey = WALK_START): Promise<RetentionBatch> {
    const size = this.config.RETENTION_BATCH_SIZE;
    const days = this.config.RETENTION_DAYS;
    const trees = days > 0 ? await this.repo.deleteExpiredTreesAllOrgs(days, after, size) : { picked: 0, deleted: 0, next: null };
    const keys = await this.repo.deleteExpiredKeysAllOrgs(size);
    if (trees.deleted || keys) this.logger.debug(`retention batch deleted ${trees.deleted} job(s) and ${keys} expired idempotency key(s)`);
    const next = trees.picked >= size ? trees.next : null;
    return { jobs: trees.deleted, keys, more: next !== null || keys >= size, next };
  }

  /**
   * DELETE /services/agent-jobs: the org's finished root jobs with one of `statuses` matching
   * the list filters, each with its subjobs, batch after batch; answers how many jobs went.
   */
  async clear(orgId: string, statuses: JobStatus[], filters: JobFilters): Promise<number> {
    const size = this.config.RETENTION_BATCH_SIZE;
    let deleted = 0;
    for (const status of new Set(statuses)) {
      let after: WalkKey | null = WALK_START;
      while (after) {
        const batch = await this.repo.deleteOrgTrees(orgId, status, filters, after, size);
        deleted += batch.deleted;
        after = batch.picked >= size ? batch.next : null;
      }
    }
    if (deleted) this.logger.log(`cleared ${deleted} finished job(s) of org ${orgId}`);
    return deleted;
  }
}
