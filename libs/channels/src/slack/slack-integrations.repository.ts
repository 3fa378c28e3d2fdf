import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { preparedQuery } from '@app/database';
import { rowsOf } from '../sql-rows';
import type { SlackTeam } from './slack-api';

/** `slack_integrations`: one row per org with its own bot token; every statement names the org. */
@Injectable()
export class SlackIntegrationsRepository {
  constructor(private readonly db: DataSource) {}

  async team(orgId: string): Promise<{ team_id: string | null; team_name: string | null; scopes: string[] | null } | null> {
    const [row] = await this.db.query(`SELECT team_id, team_name, scopes FROM slack_integrations WHERE org_id = $1`, [orgId]);
    return row ?? null;
  }

  /** The org's token, sealed: read on every post's first attempt (a prepared statement). */
  async sealedToken(orgId: string): Promise<string | null> {
    const [row] = await preparedQuery<{ bot_token_ciphertext: string }>(this.db,
      `SELECT bot_token_ciphertext FROM slack_integrations WHERE org_id = $1::text`, [orgId]);
    return row?.bot_token_ciphertext ?? null;
  }

  async upsert(orgId: string, sealedToken: string, team: SlackTeam): Promise<void> {
    await this.db.query(
      `INSERT INTO slack_integrations (org_id, bot_token_ciphertext, team_id, team_name, bot_user_id, scopes)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (org_id) DO UPDATE SET bot_token_ciphertext = EXCLUDED.bot_token_ciphertext, team_id = EXCLUDED.team_id,
         team_name = EXCLUDED.team_name, bot_user_id = EXCLUDED.bot_user_id, scopes = EXCLUDED.scopes, updated_at = now()`,
      [orgId, sealedToken, team.team_id, team.team_name, team.bot_user_id, team.scopes],
    );
  }

  /** False when the org had no token of its own. */
  async delete(orgId: string): Promise<boolean> {
    return rowsOf(await this.db.query(`DELETE FROM slack_integrations WHERE org_id = $1 RETURNING org_id`, [orgId])).length > 0;
  }
}
