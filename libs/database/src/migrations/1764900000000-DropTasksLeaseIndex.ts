import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fewer index entries per job (issue 12): `tasks_running_lease_idx` took an entry at every
 * claim (each RUNNING version of a task) but nothing sets `tasks.lease_expires_at` any more
 * since tasks name their worker (WorkerLiveness); its one reader, the hand-back of tasks
 * claimed before that ("worker_id IS NULL AND lease_expires_at < now()"), is served by
 * `tasks_running_worker_idx`, which has the same predicate and indexes NULL worker ids.
 * Dropped CONCURRENTLY (outside a transaction) so that claims are not blocked meanwhile.
 */
export class DropTasksLeaseIndex1764900000000 implements MigrationInterface {
  name = 'DropTasksLeaseIndex1764900000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS tasks_running_lease_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS tasks_running_lease_idx ON tasks (lease_expires_at) WHERE status = 'RUNNING' AND NOT awaiting_callback`);
  }
}
