import { FieldError } from '@app/common';

/** Slack conversation ids: public (C), private (G) channels and DMs (D), upper-case letters and digits. */
export const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;

export interface TargetChannel {
  org_id: string;
  platform: string;
  type?: string;
  code: string;
  data?: Record<string, unknown>;
}

/** The per-platform shape rules (no I/O); the webhook URL's SSRF check comes after. */
export function checkTargetChannel(target: TargetChannel): FieldError[] {
  if (target.platform === 'slack' && !SLACK_CHANNEL_ID.test(target.code)) {
    return [{ field: 'target_channel.code', message: 'must be a Slack channel id such as C0123ABCD (C, G or D, then upper-case letters and digits)' }];
  }
  if (target.platform === 'webhook') {
    const url = target.data?.url;
    if (typeof url !== 'string' || !url.length || url.length > 2048) {
      return [{ field: 'target_channel.data.url', message: 'is required for a webhook channel: the http(s) URL results are posted to (at most 2048 characters)' }];
    }
  }
  return [];
}
