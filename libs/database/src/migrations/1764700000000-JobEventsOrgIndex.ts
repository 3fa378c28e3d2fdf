import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The org's events in id order, for the org live stream's replay (`org_id = $1 AND id > $2
 * ORDER BY id`): without it that walks every org's events from the position on. Built
 * CONCURRENTLY (outside a transaction) so that writers of events are not blocked while it
 * builds on a large table; an invalid index left by an interrupted build is built again.
 */
export class JobEventsOrgIndex1764700000000 implements MigrationInterface {
  name = 'JobEventsOrgIndex1764700000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    const [left] = await q.query(
      `SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'job_events_org_idx' AND NOT i.indisvalid`,
    );
    if (left) await q.query(`DROP INDEX CONCURRENTLY job_events_org_idx`);
    await q.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS job_events_org_idx ON job_events (org_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS job_events_org_idx`);
  }
}
