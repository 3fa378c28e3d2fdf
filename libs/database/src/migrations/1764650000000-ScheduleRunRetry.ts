import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A fire is taken (its schedule_runs row, next_run_at advanced) in one short transaction and
 * its job created after it, outside the schedule's row lock. `retry_at` is set while the job
 * is not created yet: when a worker may take the fire over (its worker died, or the creation
 * failed and waits out a backoff). Null once the run has its job or its error. The partial
 * index serves the periodic "pending fires due" query (ORDER BY retry_at LIMIT 1).
 */
export class ScheduleRunRetry1764650000000 implements MigrationInterface {
  name = 'ScheduleRunRetry1764650000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE schedule_runs ADD COLUMN retry_at timestamptz;
      CREATE INDEX schedule_runs_retry_idx ON schedule_runs (retry_at) WHERE retry_at IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX schedule_runs_retry_idx; ALTER TABLE schedule_runs DROP COLUMN retry_at;`);
  }
}
