import { MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexConcurrently } from './create-index-concurrently';

/**
 * The reconcilers' due walks order by (run_at, id) and (next_attempt_at, task_id): on an index
 * of the first column alone Postgres
 * sorts a bitmap scan instead, which visits every dead entry the partial index keeps (each
 * task leaves PENDING once, and without a vacuum its entry stays), so the walk grew with the
 * history (0.3 ms to 4 ms in 13 min of soak). Walked in key order, an index scan stops at the
 * LIMIT and marks dead entries as it passes them. Built CONCURRENTLY (createIndexConcurrently).
 */
export class TasksPendingOrderIndex1764930000000 implements MigrationInterface {
  name = 'TasksPendingOrderIndex1764930000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await createIndexConcurrently(q, 'tasks_pending_due_idx', `tasks (run_at, id) WHERE status = 'PENDING'`);
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS tasks_pending_run_at_idx`);
    await createIndexConcurrently(q, 'channel_posts_due_walk_idx', `channel_posts (next_attempt_at, task_id) WHERE status IN ('PENDING', 'SENDING')`);
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS channel_posts_due_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS channel_posts_due_idx ON channel_posts (next_attempt_at) WHERE status IN ('PENDING', 'SENDING')`);
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS channel_posts_due_walk_idx`);
    await q.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS tasks_pending_run_at_idx ON tasks (run_at) WHERE status = 'PENDING'`);
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS tasks_pending_due_idx`);
  }
}
