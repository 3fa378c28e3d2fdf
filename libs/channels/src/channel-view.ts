import type { ChannelEntity } from './entities';

/** A row of `channels` as the pg driver returns it. */
export type ChannelRow = ChannelEntity;

export const channelView = (c: ChannelRow) => ({
  id: c.id,
  org_id: c.org_id,
  platform: c.platform,
  type: c.type,
  code: c.code,
  data: c.data,
  created_at: c.created_at.toISOString(),
  updated_at: c.updated_at.toISOString(),
});
