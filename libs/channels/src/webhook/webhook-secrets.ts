/**
 * The secrets what the service POSTs to an org's webhook channels is signed with (one
 * signature each, by SignedWebhookSender): the current one first, then the previous one
 * during a rotation. Bound to WEBHOOK_SECRETS in ChannelDeliveryModule, to the org's webhook
 * signing secrets (OrgWebhookSecrets, libs/observers), the same secrets observer webhooks use.
 */
export interface WebhookSecrets {
  secretsFor(orgId: string): Promise<string[]>;
}

export const WEBHOOK_SECRETS = Symbol('WebhookSecrets');
