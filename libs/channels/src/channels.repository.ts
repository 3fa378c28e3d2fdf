import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { newId } from '@app/common';
import { OrgLookup, orgLookup } from '@app/database';
import type { TargetChannel } from './channel-rules';
import type { ChannelRow } from './channel-view';

/** `channels`: every statement names the org. */
@Injectable()
export class ChannelsRepository {
  constructor(private readonly db: DataSource) {}

  /** Stores the org's channel (platform, code) with the target's type and data; its id. */
  async upsert(orgId: string, target: TargetChannel): Promise<string> {
    const [row] = await this.db.query(
      `INSERT INTO channels (id, org_id, platform, type, code, data)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (org_id, platform, code) DO UPDATE SET type = EXCLUDED.type, data = EXCLUDED.data, updated_at = now()
       RETURNING id`,
      [newId('chn'), orgId, target.platform, target.type ?? null, target.code, target.data ? JSON.stringify(target.data) : null],
    );
    return row.id;
  }

  async listOfOrg(orgId: string, limit: number, offset: number): Promise<{ rows: ChannelRow[]; total: number }> {
    const [rows, [{ n }]] = await Promise.all([
      this.db.query(
        `SELECT * FROM channels WHERE org_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3`,
        [orgId, limit, offset],
      ) as Promise<ChannelRow[]>,
      this.db.query(`SELECT count(*)::int AS n FROM channels WHERE org_id = $1`, [orgId]) as Promise<Array<{ n: number }>>,
    ]);
    return { rows, total: n };
  }

  async lookup(orgId: string, id: string): Promise<OrgLookup<ChannelRow>> {
    const [row]: ChannelRow[] = await this.db.query(`SELECT * FROM channels WHERE id = $1`, [id]);
    return orgLookup(orgId, row);
  }
}
