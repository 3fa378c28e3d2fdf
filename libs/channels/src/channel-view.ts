/** A row of `channels` as the pg driver returns it. */
export interface ChannelRow {
  id: string;
  org_id: string;
  platform: string;
  type: string | null;
  code: string;
  data: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
}

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
