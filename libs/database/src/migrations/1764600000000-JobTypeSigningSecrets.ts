import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Job type signing secrets: the previous secret of a rotation and its end, and an index of
 * the rows whose secrets are still plain text. The sealing itself is done by the app at start
 * (JobTypeSecrets), with the encryption key of its own config: see docs/decisions.md.
 */
export class JobTypeSigningSecrets1764600000000 implements MigrationInterface {
  name = 'JobTypeSigningSecrets1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE job_types
        ADD COLUMN signing_secret_previous text,
        ADD COLUMN signing_secret_previous_expires_at timestamptz;
      CREATE INDEX job_types_plain_secret_idx ON job_types (org_id, id)
        WHERE signing_secret LIKE 'whsec\\_%' OR signing_secret_previous LIKE 'whsec\\_%';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX job_types_plain_secret_idx;
      ALTER TABLE job_types DROP COLUMN signing_secret_previous, DROP COLUMN signing_secret_previous_expires_at;
    `);
  }
}
