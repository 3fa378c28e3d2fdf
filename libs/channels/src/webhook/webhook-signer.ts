/**
 * Signs what the service POSTs to an org's webhook channels: returns the Standard Webhooks
 * headers (webhook-id, webhook-timestamp, webhook-signature; one signature per live secret
 * during a rotation). Bound to WEBHOOK_SIGNER in ChannelDeliveryModule, to the org's webhook
 * signing secrets (OrgWebhookSecrets, libs/observers), the same secret observer webhooks use.
 */
export interface WebhookSigner {
  sign(orgId: string, msgId: string, timestamp: Date, payload: string): Promise<Record<string, string>>;
}

export const WEBHOOK_SIGNER = Symbol('WebhookSigner');
