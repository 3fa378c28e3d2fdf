import { MigrationInterface, QueryRunner } from 'typeorm';

/** An openai executor's api_key, sealed by the app (JobTypeSecrets), kept out of the executor JSON that views return. */
export class JobTypeApiKey1764800000000 implements MigrationInterface {
  name = 'JobTypeApiKey1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE job_types ADD COLUMN api_key text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE job_types DROP COLUMN api_key`);
  }
}
