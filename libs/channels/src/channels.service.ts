import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { DataSource } from 'typeorm';
import { DomainError, forbidden, newId, notFound, validationFailed } from '@app/common';
import { OutboundError, OutboundHttpClient } from '@app/common/outbound';
import { checkTargetChannel, TargetChannel } from './channel-rules';
import { ChannelRow, channelView } from './channel-view';

export type { TargetChannel } from './channel-rules';

const SEEN_TTL_MS = 60_000;
const SEEN_MAX = 10_000;

export interface ListChannelsQuery {
  limit: number;
  offset: number;
}

/** The org's channels: every job's target_channel is validated for its platform and upserted here. */
@Injectable()
export class ChannelsService {
  // Channels repeat across many jobs; skip the upsert when this process stored the same one recently.
  // The key holds the org: one org's entry never answers another's.
  private readonly seen = new LRUCache<string, string>({ max: SEEN_MAX, ttl: SEEN_TTL_MS });

  constructor(private readonly db: DataSource, private readonly outbound: OutboundHttpClient) {}

  /** Validates the channel for its platform and upserts it; returns the channel id. */
  async prepare(orgId: string, target: TargetChannel): Promise<string> {
    const errors = checkTargetChannel(target);
    if (errors.length) throw validationFailed(errors, 'The target channel is not valid for its platform');
    const key = `${orgId}\u0000${target.platform}\u0000${target.code}\u0000${target.type ?? ''}\u0000${JSON.stringify(target.data ?? null)}`;
    const hit = this.seen.get(key);
    if (hit) return hit;
    if (target.platform === 'webhook') await this.checkWebhookUrl(String(target.data!.url));
    const [row] = await this.db.query(
      `INSERT INTO channels (id, org_id, platform, type, code, data)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (org_id, platform, code) DO UPDATE SET type = EXCLUDED.type, data = EXCLUDED.data, updated_at = now()
       RETURNING id`,
      [newId('chn'), orgId, target.platform, target.type ?? null, target.code, target.data ? JSON.stringify(target.data) : null],
    );
    this.seen.set(key, row.id);
    return row.id;
  }

  async list(orgId: string, q: ListChannelsQuery) {
    const [rows, [{ n }]] = await Promise.all([
      this.db.query(
        `SELECT * FROM channels WHERE org_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3`,
        [orgId, q.limit, q.offset],
      ) as Promise<ChannelRow[]>,
      this.db.query(`SELECT count(*)::int AS n FROM channels WHERE org_id = $1`, [orgId]) as Promise<Array<{ n: number }>>,
    ]);
    return { data: rows.map(channelView), meta: { org_id: orgId, limit: q.limit, offset: q.offset, total: n } };
  }

  /** 404 when unknown, 403 when another org's (the spec's rule for every record). */
  async get(orgId: string, id: string) {
    const [row]: ChannelRow[] = await this.db.query(`SELECT * FROM channels WHERE id = $1`, [id]);
    if (!row) throw notFound('CHANNEL_NOT_FOUND', `Channel '${id}' not found`);
    if (row.org_id !== orgId) throw forbidden('FORBIDDEN', `Channel '${id}' belongs to another org`);
    return channelView(row);
  }

  private async checkWebhookUrl(url: string): Promise<void> {
    try {
      await this.outbound.assertUrlAllowed(url);
    } catch (err) {
      if (!(err instanceof OutboundError)) throw err;
      throw new DomainError(400, 'OUTBOUND_URL_REFUSED', 'The webhook channel URL is not allowed', [
        { field: 'target_channel.data.url', message: err.message },
      ]);
    }
  }
}
