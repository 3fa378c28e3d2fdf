import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { orderedWalk, retryOnDeadlock } from '@app/database';
import type { JobStatus } from '../job-status';
import { addJobFilters, JobFilters } from '../job-filters.sql';
import { DELETE_EXPIRED_KEYS_SQL, DELETE_EXPIRED_TREES_SQL, deleteOrgTreesSql } from './retention.sql';

/** Where a walk stands: the last root's key (as Postgres text) and id. */
export interface WalkKey {
  key: string;
  id: string;
}

/** One batch: roots picked (a full batch means more may follow), jobs deleted, where to go on from. */
export interface TreeBatch {
  picked: number;
  deleted: number;
  next: WalkKey | null;
}

interface BatchRow {
  picked: number;
  deleted: number;
  last_key: string | null;
  last_id: string | null;
}

const batchOf = ([row]: BatchRow[]): TreeBatch => ({
  picked: row.picked,
  deleted: row.deleted,
  next: row.last_key === null ? null : { key: row.last_key, id: row.last_id! },
});

/** Deletes finished job trees (with their child rows, by cascade) and expired idempotency keys, a batch per statement. */
@Injectable()
export class JobRetentionRepository {
  constructor(private readonly db: DataSource) {}

  /** Across orgs on purpose (the worker's retention): trees whose root finished more than `days` days ago. */
  async deleteExpiredTreesAllOrgs(days: number, after: WalkKey, limit: number): Promise<TreeBatch> {
    return batchOf(await retryOnDeadlock(() => orderedWalk<BatchRow>(this.db, DELETE_EXPIRED_TREES_SQL, [days, after.key, after.id, limit])));
  }

  /** The org's trees whose root has `status` and matches the list filters. */
  async deleteOrgTrees(orgId: string, status: JobStatus, filters: JobFilters, after: WalkKey, limit: number): Promise<TreeBatch> {
    const params: unknown[] = [orgId, status, after.key, after.id, limit];
    const where: string[] = [];
    addJobFilters(filters, where, params);
    return batchOf(await retryOnDeadlock(() => orderedWalk<BatchRow>(this.db, deleteOrgTreesSql(where), params)));
  }

  /** Across orgs on purpose: expired idempotency keys (an expired key is taken over anyway). */
  async deleteExpiredKeysAllOrgs(limit: number): Promise<number> {
    const [, deleted]: [unknown, number] = await this.db.query(DELETE_EXPIRED_KEYS_SQL, [limit]);
    return deleted;
  }
}
