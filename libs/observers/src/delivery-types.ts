import type { WebhookAttemptEntity, WebhookDeliveryEntity } from './entities';

/** Webhook delivery statuses: PENDING until a 2xx (SUCCEEDED), a final refusal or the last retry (FAILED), or a 410 (STOPPED). */
export const DELIVERY_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED', 'STOPPED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export type WebhookEventType = 'job.running' | 'job.completed' | 'job.failed' | 'job.canceled';
/** The names observers list in `events`. */
export type ObserverEvent = 'running' | 'completed' | 'failed' | 'canceled';

/** Which job transitions are webhook events, and the observer event name of each. */
export const EVENT_BY_STATUS: Readonly<Record<string, { type: WebhookEventType; observerEvent: ObserverEvent; terminal: boolean }>> = {
  RUNNING: { type: 'job.running', observerEvent: 'running', terminal: false },
  COMPLETED: { type: 'job.completed', observerEvent: 'completed', terminal: true },
  FAILED: { type: 'job.failed', observerEvent: 'failed', terminal: true },
  CANCELED: { type: 'job.canceled', observerEvent: 'canceled', terminal: true },
};

/** A row of webhook_deliveries as the pg driver returns it. */
export type DeliveryRow = WebhookDeliveryEntity;

export type AttemptRow = WebhookAttemptEntity;

/** The spec's webhook body. `result` for job.completed, `error` for job.failed and job.canceled. */
export interface WebhookPayload {
  type: WebhookEventType;
  timestamp: string;
  data: {
    job_id: string;
    org_id: string;
    job_status: string;
    result?: unknown;
    error?: { code: string; message: string } | null;
    parent_job_id: string | null;
  };
}
