export * from './observers.module';
export * from './observers-http.module';
export * from './observers-worker.module';
export * from './delivery-types';
export { OrgWebhookSecrets, ROTATION_GRACE_HOURS } from './secrets/org-webhook-secrets';
export type { RevealedSecret } from './secrets/org-webhook-secrets';
export { ObserversLoop, DISPATCH_INTERVAL_MS } from './worker/observers.loop';
export { EventDispatcherService } from './dispatch/event-dispatcher.service';
export * from './openapi/delivery.schemas';
