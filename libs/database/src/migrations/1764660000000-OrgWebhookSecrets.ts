import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The org's webhook signing secrets move out of `orgs` (libs/auth's table) into a table of
 * libs/observers, which alone reads and writes them (docs/decisions.md "Table ownership"). The
 * sealed values are copied as they are (the seal is bound to the org id, not to the table). An
 * org without a current secret had none yet (every write that sets the previous one sets the
 * current one): it gets its row at the first use, as before. The old columns go in the same
 * transaction, so no value is left behind in two places.
 */
export class OrgWebhookSecrets1764660000000 implements MigrationInterface {
  name = 'OrgWebhookSecrets1764660000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE org_webhook_secrets (
        org_id text PRIMARY KEY REFERENCES orgs(id),
        secret text NOT NULL,
        revealed_at timestamptz,
        previous_secret text,
        previous_secret_expires_at timestamptz
      );
      INSERT INTO org_webhook_secrets (org_id, secret, revealed_at, previous_secret, previous_secret_expires_at)
        SELECT id, webhook_secret, webhook_secret_revealed_at, webhook_previous_secret, webhook_previous_secret_expires_at
        FROM orgs WHERE webhook_secret IS NOT NULL;
      ALTER TABLE orgs
        DROP COLUMN webhook_secret,
        DROP COLUMN webhook_secret_revealed_at,
        DROP COLUMN webhook_previous_secret,
        DROP COLUMN webhook_previous_secret_expires_at;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE orgs
        ADD COLUMN webhook_secret text,
        ADD COLUMN webhook_secret_revealed_at timestamptz,
        ADD COLUMN webhook_previous_secret text,
        ADD COLUMN webhook_previous_secret_expires_at timestamptz;
      UPDATE orgs o SET webhook_secret = s.secret, webhook_secret_revealed_at = s.revealed_at,
             webhook_previous_secret = s.previous_secret, webhook_previous_secret_expires_at = s.previous_secret_expires_at
        FROM org_webhook_secrets s WHERE s.org_id = o.id;
      DROP TABLE org_webhook_secrets;
    `);
  }
}
