import type { WebhookEventType, WebhookPayload } from '../delivery-types';

export interface PayloadEvent {
  to_status: string;
  at: Date;
  reason: string | null;
}

export interface PayloadJob {
  id: string;
  org_id: string;
  result: unknown;
  error: { code: string; message: string } | null;
  parent_job_id: string | null;
  cancel_reason: string | null;
}

/**
 * The body for one event of one job. The status is the event's (a job.running delivered
 * after the job finished still says RUNNING); result and error come from the job row,
 * final by the time a terminal event is dispatched.
 */
export function buildPayload(type: WebhookEventType, event: PayloadEvent, job: PayloadJob): WebhookPayload {
  const data: WebhookPayload['data'] = { job_id: job.id, org_id: job.org_id, job_status: event.to_status, parent_job_id: job.parent_job_id };
  if (type === 'job.completed') data.result = job.result ?? null;
  if (type === 'job.failed') data.error = job.error ?? { code: 'FAILED', message: event.reason ?? 'The job failed' };
  if (type === 'job.canceled') data.error = { code: 'CANCELED', message: job.cancel_reason ?? event.reason ?? 'The job was canceled' };
  return { type, timestamp: event.at.toISOString(), data };
}

/**
 * The exact bytes sent and signed. Postgres jsonb reorders keys, so the spec's order is
 * rebuilt here: every attempt of a delivery sends the same body.
 */
export function serializePayload(p: WebhookPayload): string {
  const d = p.data;
  return JSON.stringify({
    type: p.type,
    timestamp: p.timestamp,
    data: {
      job_id: d.job_id,
      org_id: d.org_id,
      job_status: d.job_status,
      ...('result' in d ? { result: d.result ?? null } : {}),
      ...('error' in d ? { error: d.error ?? null } : {}),
      parent_job_id: d.parent_job_id ?? null,
    },
  });
}
