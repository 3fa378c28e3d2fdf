import { MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexConcurrently } from './create-index-concurrently';

/**
 * Retention's walks and cascades, each on an index:
 * - `jobs_finished_roots_idx`: finished root jobs by completed_at (the worker's batch walks it in
 *   key order up to the cutoff; subjobs go with their root, so they are not in it);
 * - `idempotency_keys_expires_idx`: expired keys, oldest first;
 * - `idempotency_keys_job_idx`: the ON DELETE CASCADE from jobs looks a job's keys up by job_id
 *   (without it, every deleted job scanned the whole table).
 * Built CONCURRENTLY: writers are not blocked; an invalid index left by an interrupted build is rebuilt.
 */
export class RetentionIndexes1765000000000 implements MigrationInterface {
  name = 'RetentionIndexes1765000000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    const indexes: Array<[string, string]> = [
      ['jobs_finished_roots_idx', `jobs (completed_at, id) WHERE status IN ('COMPLETED', 'FAILED', 'CANCELED') AND parent_job_id IS NULL`],
      ['idempotency_keys_expires_idx', `idempotency_keys (expires_at)`],
      ['idempotency_keys_job_idx', `idempotency_keys (job_id)`],
    ];
    for (const [name, on] of indexes) await createIndexConcurrently(q, name, on);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS idempotency_keys_job_idx`);
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS idempotency_keys_expires_idx`);
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS jobs_finished_roots_idx`);
  }
}
