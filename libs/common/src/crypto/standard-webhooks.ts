import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A Standard Webhooks signing secret: `whsec_` + 32 random bytes in base64. */
export const newSigningSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * Standard Webhooks headers for one message. `webhook-signature` carries one `v1,<sig>` per
 * secret, space-separated, so during a rotation a receiver holding either secret can verify.
 */
export function standardWebhookHeaders(secrets: string[], msgId: string, timestamp: Date, payload: string): Record<string, string> {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': Math.floor(timestamp.getTime() / 1000).toString(),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(msgId, timestamp, payload)).join(' '),
  };
}
