import { MigrationInterface, QueryRunner } from 'typeorm';

/** A token's own requests per minute (libs/auth); null: the deployment's RATE_LIMIT_PER_MINUTE. */
export class TokenRateLimit1764910000000 implements MigrationInterface {
  name = 'TokenRateLimit1764910000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_tokens ADD COLUMN rate_limit_per_minute integer CHECK (rate_limit_per_minute > 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_tokens DROP COLUMN rate_limit_per_minute`);
  }
}
