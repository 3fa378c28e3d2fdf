import { OrgWebhookSecretEntity } from './org-webhook-secret.entity';
import { WebhookAttemptEntity } from './webhook-attempt.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';

export { OrgWebhookSecretEntity, WebhookAttemptEntity, WebhookDeliveryEntity };

/** The tables this library owns (docs/decisions.md "Table ownership"). */
export const OBSERVERS_ENTITIES = [WebhookDeliveryEntity, WebhookAttemptEntity, OrgWebhookSecretEntity];
