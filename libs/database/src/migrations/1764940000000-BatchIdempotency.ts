import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An Idempotency-Key of a batch create (libs/jobs) stores the batch's first answer, and names
 * no single job: `response` holds the answer, `job_id` is null for such a record.
 */
export class BatchIdempotency1764940000000 implements MigrationInterface {
  name = 'BatchIdempotency1764940000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE idempotency_keys ALTER COLUMN job_id DROP NOT NULL, ADD COLUMN response jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM idempotency_keys WHERE job_id IS NULL`);
    await q.query(`ALTER TABLE idempotency_keys DROP COLUMN response, ALTER COLUMN job_id SET NOT NULL`);
  }
}
