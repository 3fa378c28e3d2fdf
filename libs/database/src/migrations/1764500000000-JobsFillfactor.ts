import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Room in each `jobs` page for a job's later row versions: the update that records a
 * delivery outcome changes no indexed column, and with free space on its page Postgres
 * writes it as a HOT update (no new entry in any of the table's nine indexes). Applies to
 * pages written from now on.
 */
export class JobsFillfactor1764500000000 implements MigrationInterface {
  name = 'JobsFillfactor1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs SET (fillfactor = 70)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs RESET (fillfactor)`);
  }
}
