import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What agents spent, on tasks and summed on their job (spec "Usage on jobs"), and jobs that run
 * inside a session (spec "Sessions"). Constant defaults: Postgres adds these columns without
 * rewriting the tables, and a task or job that reported nothing reads zeros.
 * `jobs.session_id` has no foreign key on purpose: sessions are swept when they expire while the
 * job keeps the id it ran in, and a cascade would have the sweeper update (and index) jobs rows;
 * whoever reads the session checks it is still there (docs/decisions.md "Jobs in a session").
 * `session_messages.job_id` names the job whose brief or result a message is (turn_id null then).
 */
export class JobUsageAndSessions1764720000000 implements MigrationInterface {
  name = 'JobUsageAndSessions1764720000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tasks
        ADD COLUMN usage jsonb NOT NULL DEFAULT '{"prompt": 0, "completion": 0, "total": 0}',
        ADD COLUMN tool_calls jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN iterations integer NOT NULL DEFAULT 0;
      ALTER TABLE jobs
        ADD COLUMN usage jsonb NOT NULL DEFAULT '{"prompt": 0, "completion": 0, "total": 0}',
        ADD COLUMN iterations integer NOT NULL DEFAULT 0,
        ADD COLUMN session_id text;
      ALTER TABLE session_messages ADD COLUMN job_id text;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE session_messages DROP COLUMN job_id;
      ALTER TABLE jobs DROP COLUMN session_id, DROP COLUMN iterations, DROP COLUMN usage;
      ALTER TABLE tasks DROP COLUMN iterations, DROP COLUMN tool_calls, DROP COLUMN usage;
    `);
  }
}
