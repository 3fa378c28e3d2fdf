import { Webhook } from 'standardwebhooks';

export interface SignedMessage {
  /** webhook-id: what receivers dedupe on (the same on every retry of one message). */
  msgId: string;
  /** When this attempt is signed (receivers refuse timestamps more than 5 minutes off). */
  timestamp: Date;
  /** The exact bytes sent. */
  body: string;
}

/**
 * Standard Webhooks headers for one message, through the `standardwebhooks` package.
 * webhook-signature carries one `v1,<sig>` per secret, space-separated: during a rotation
 * (the current secret first, then the one it replaced) a receiver holding either verifies.
 */
export function standardWebhookHeaders(secrets: readonly string[], msg: SignedMessage): Record<string, string> {
  if (!secrets.length) throw new Error('a signed message needs at least one secret');
  return {
    'webhook-id': msg.msgId,
    'webhook-timestamp': Math.floor(msg.timestamp.getTime() / 1000).toString(),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(msg.msgId, msg.timestamp, msg.body)).join(' '),
  };
}
