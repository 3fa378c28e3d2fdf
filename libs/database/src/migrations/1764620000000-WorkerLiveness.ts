import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Worker liveness and claim fencing. Each worker process has a row it beats every second;
 * a RUNNING task names the worker that claimed it, so the reconciler hands back the tasks of
 * a worker that went silent within seconds instead of waiting out a lease. `claims` counts a
 * task's claims: a worker's later writes to the task carry the number its claim returned, so
 * one declared dead cannot change a task another worker claimed since.
 */
export class WorkerLiveness1764620000000 implements MigrationInterface {
  name = 'WorkerLiveness1764620000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE workers (
        id text PRIMARY KEY,
        host text NOT NULL,
        pid integer NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        -- not indexed, so each beat is a HOT update that page pruning cleans up without autovacuum
        heartbeat_at timestamptz NOT NULL DEFAULT now(),
        stopped_at timestamptz
      );
      ALTER TABLE tasks ADD COLUMN claims integer NOT NULL DEFAULT 0, ADD COLUMN worker_id text;
      -- the reconciler's scan of running tasks for those whose worker is no longer alive
      CREATE INDEX tasks_running_worker_idx ON tasks (worker_id) WHERE status = 'RUNNING' AND NOT awaiting_callback;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX tasks_running_worker_idx;
      ALTER TABLE tasks DROP COLUMN claims, DROP COLUMN worker_id;
      DROP TABLE workers;
    `);
  }
}
