import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `kind` of each job event: `transition` (a status change) or `delivery` (a channel post's
 * outcome on a finished job, from = to). Stored, so that live streams can filter on it. The
 * default keeps every INSERT that does not name it a transition; the delivery outcome's INSERT
 * sets `delivery`. Rows written before are told apart by their actor, as they always were.
 */
export class JobEventKind1764610000000 implements MigrationInterface {
  name = 'JobEventKind1764610000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE job_events ADD COLUMN kind text NOT NULL DEFAULT 'transition'
        CONSTRAINT job_events_kind_check CHECK (kind IN ('transition', 'delivery'));
      UPDATE job_events SET kind = 'delivery' WHERE actor = 'delivery';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE job_events DROP COLUMN kind`);
  }
}
