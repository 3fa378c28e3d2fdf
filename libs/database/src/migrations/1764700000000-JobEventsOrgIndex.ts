import { MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexConcurrently } from './create-index-concurrently';

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
    await createIndexConcurrently(q, 'job_events_org_idx', 'job_events (org_id, id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS job_events_org_idx`);
  }
}
