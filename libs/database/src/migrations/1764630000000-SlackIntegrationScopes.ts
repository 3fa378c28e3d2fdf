import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The OAuth scopes Slack reported for an org's bot token when it was PUT (auth.test's
 * x-oauth-scopes), so GET can say whether crash dedupe works (it needs the history scopes).
 * NULL for tokens stored before this column, or when Slack did not list them.
 */
export class SlackIntegrationScopes1764630000000 implements MigrationInterface {
  name = 'SlackIntegrationScopes1764630000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE slack_integrations ADD COLUMN scopes text[]`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE slack_integrations DROP COLUMN scopes`);
  }
}
