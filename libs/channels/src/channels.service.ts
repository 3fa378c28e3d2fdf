import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { newId } from '@app/common';

export interface TargetChannel {
  org_id: string;
  platform: string;
  type?: string;
  code: string;
  data?: Record<string, unknown>;
}

const SEEN_TTL_MS = 60_000;

/** The org's channels: every job's target_channel is upserted here. */
@Injectable()
export class ChannelsService {
  // Channels repeat across many jobs; skip the upsert when this process stored the same one recently.
  private readonly seen = new Map<string, { id: string; at: number }>();

  constructor(private readonly db: DataSource) {}

  /** Validates the channel for its platform and upserts it; returns the channel id. */
  async prepare(orgId: string, target: TargetChannel): Promise<string> {
    const key = `${orgId}\u0000${target.platform}\u0000${target.code}\u0000${target.type ?? ''}\u0000${JSON.stringify(target.data ?? null)}`;
    const hit = this.seen.get(key);
    if (hit && Date.now() - hit.at < SEEN_TTL_MS) return hit.id;
    const [row] = await this.db.query(
      `INSERT INTO channels (id, org_id, platform, type, code, data)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (org_id, platform, code) DO UPDATE SET type = EXCLUDED.type, data = EXCLUDED.data, updated_at = now()
       RETURNING id`,
      [newId('chn'), orgId, target.platform, target.type ?? null, target.code, target.data ? JSON.stringify(target.data) : null],
    );
    if (this.seen.size > 10_000) this.seen.clear();
    this.seen.set(key, { id: row.id, at: Date.now() });
    return row.id;
  }
}
