import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { DomainError, validationFailed } from '@app/common';
import { OutboundError, OutboundHttpClient } from '@app/common/outbound';
import { ownedOrThrow } from '@app/database';
import { checkTargetChannel, TargetChannel } from './channel-rules';
import { channelView } from './channel-view';
import { ChannelsRepository } from './channels.repository';

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

  constructor(private readonly repo: ChannelsRepository, private readonly outbound: OutboundHttpClient) {}

  /** Validates the channel for its platform and upserts it; returns the channel id. */
  async prepare(orgId: string, target: TargetChannel): Promise<string> {
    const errors = checkTargetChannel(target);
    if (errors.length) throw validationFailed(errors, 'The target channel is not valid for its platform');
    const key = `${orgId}\u0000${target.platform}\u0000${target.code}\u0000${target.type ?? ''}\u0000${JSON.stringify(target.data ?? null)}`;
    const hit = this.seen.get(key);
    if (hit) return hit;
    if (target.platform === 'webhook') await this.checkWebhookUrl(String(target.data!.url));
    const id = await this.repo.upsert(orgId, target);
    this.seen.set(key, id);
    return id;
  }

  async list(orgId: string, q: ListChannelsQuery) {
    const { rows, total } = await this.repo.listOfOrg(orgId, q.limit, q.offset);
    return { data: rows.map(channelView), meta: { org_id: orgId, limit: q.limit, offset: q.offset, total } };
  }

  /** 404 when unknown, 403 when another org's (the spec's rule for every record). */
  async get(orgId: string, id: string) {
    return channelView(ownedOrThrow(await this.repo.lookup(orgId, id), 'CHANNEL_NOT_FOUND', `Channel '${id}'`));
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
