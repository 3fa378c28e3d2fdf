import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What happened at each fire of a schedule: `error` when the job could not be created (e.g. its
 * job type was deleted; the schedule still advances), `catch_up` when the fire was taken late
 * under the missed-fire policy. Fires are listed per schedule, newest first.
 */
export class ScheduleRunOutcome1764400000000 implements MigrationInterface {
  name = 'ScheduleRunOutcome1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE schedule_runs
        ADD COLUMN error jsonb,
        ADD COLUMN catch_up boolean NOT NULL DEFAULT false;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE schedule_runs DROP COLUMN error, DROP COLUMN catch_up;`);
  }
}
