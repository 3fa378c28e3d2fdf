import type { IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';

/**
 * What a receiver of our signed calls checks (agents, tools, webhook receivers): the raw body
 * against the Standard Webhooks headers with `secret`, through the `standardwebhooks` package.
 * Null when it verifies, else why not.
 */
export function signatureProblem(secret: string | undefined, rawBody: string, headers: IncomingHttpHeaders): string | null {
  if (!secret) return 'no signing secret registered for this path';
  try {
    new Webhook(secret).verify(rawBody, {
      'webhook-id': String(headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(headers['webhook-signature'] ?? ''),
    });
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
