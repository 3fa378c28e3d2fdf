import { ANY_JSON, arrayOf, enumOf, INTEGER, nullable, object, ref, refsTo, Schema, SchemaMap, TEXT, TIMESTAMP } from '@app/common';
import { DELIVERY_STATUSES } from '../delivery-types';

const EVENT_TYPES = ['job.running', 'job.completed', 'job.failed', 'job.canceled'];
const statusCode: Schema = { type: ['integer', 'null'] };
const error: Schema = { type: ['string', 'null'] };

/** Webhook deliveries (callback_url and observers) and the org's signing secret. */
export const DELIVERY_SCHEMAS = {
  WebhookPayload: object({
    type: enumOf(EVENT_TYPES),
    timestamp: TIMESTAMP,
    data: object({
      job_id: TEXT,
      org_id: TEXT,
      job_status: TEXT,
      result: ANY_JSON,
      error: nullable(ref('AgentError')),
      parent_job_id: { type: ['string', 'null'] },
    }, { optional: ['result', 'error'], description: 'result for job.completed, error for job.failed and job.canceled' }),
  }, { description: 'The body POSTed, signed with Standard Webhooks headers (webhook-id = delivery_id)' }),
  DeliveryAttempt: object({
    attempt: INTEGER,
    manual: { type: 'boolean', description: 'A redeliver' },
    at: TIMESTAMP,
    duration_ms: { type: ['integer', 'null'] },
    status_code: statusCode,
    error: error,
  }),
  Delivery: object({
    delivery_id: TEXT,
    webhook_id: { ...TEXT, description: 'The webhook-id header of every attempt' },
    job_id: TEXT,
    event_job_id: { ...TEXT, description: 'The job the event is about: this job or one of its subjobs' },
    event_type: enumOf(EVENT_TYPES),
    target: { ...TEXT, description: 'callback_url or observer:<index>' },
    url: TEXT,
    status: enumOf(DELIVERY_STATUSES, 'SUCCEEDED at a 2xx, STOPPED at a 410, FAILED after the last retry'),
    automatic_attempts: INTEGER,
    max_automatic_attempts: INTEGER,
    next_attempt_at: nullable(TIMESTAMP),
    last_status_code: statusCode,
    last_error: error,
    created_at: TIMESTAMP,
    updated_at: TIMESTAMP,
    payload: ref('WebhookPayload'),
    attempts: arrayOf(ref('DeliveryAttempt')),
  }),
  Redelivery: object({
    delivery_id: TEXT,
    webhook_id: TEXT,
    attempt: INTEGER,
    manual: { type: 'boolean', const: true },
    outcome: enumOf(['succeeded', 'failed', 'stopped']),
    status_code: statusCode,
    error: error,
    duration_ms: INTEGER,
    delivery_status: enumOf(DELIVERY_STATUSES),
  }),
  WebhookSigningSecret: object({
    secret: { ...TEXT, description: 'whsec_...: verifies the signature of every webhook to this org. Shown once.' },
    previous_secret_expires_at: { ...nullable(TIMESTAMP), description: 'Until then webhooks also carry a signature of the previous secret' },
  }),
} satisfies SchemaMap;

export const deliverySchema = refsTo(DELIVERY_SCHEMAS);
