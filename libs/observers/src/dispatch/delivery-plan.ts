import { EVENT_BY_STATUS, ObserverEvent, WebhookEventType, WebhookPayload } from '../delivery-types';
import { buildPayload, PayloadEvent, PayloadJob } from './webhook-payload';

export interface PlanJob extends PayloadJob {
  callback_url: string | null;
  observers: unknown;
}

export interface PlannedDelivery {
  /** The job whose callback_url or observer this is (a parent's observer: the parent). */
  ownerJobId: string;
  /** `callback_url` or `observer:<index in the owner's observers>`. */
  target: string;
  url: string;
  eventType: WebhookEventType;
  payload: WebhookPayload;
}

interface Observer {
  index: number;
  url: string;
  events: string[];
}

/** The webhook observers of a job as stored (validated at creation; read defensively). */
function observersOf(job: PlanJob): Observer[] {
  if (!Array.isArray(job.observers)) return [];
  return job.observers.flatMap((o, index) => {
    const v = o as { type?: unknown; url?: unknown; events?: unknown } | null;
    if (!v || v.type !== 'webhook' || typeof v.url !== 'string' || !Array.isArray(v.events)) return [];
    return [{ index, url: v.url, events: v.events.filter((e): e is string => typeof e === 'string') }];
  });
}

/**
 * Who hears about one job transition:
 * - the job's callback_url: its terminal events (job.completed, job.failed, job.canceled);
 * - each of the job's observers: the events it lists;
 * - each observer of the job's parent: the subjob's events it lists (the parent's callback_url
 *   does not: it reports the parent's own outcome, and a subjob finishing is not that).
 * One URL hears an event once: when several targets share a URL, the first one (in the order
 * above) gets the delivery.
 */
export function planDeliveries(event: PayloadEvent, job: PlanJob, parent: PlanJob | null): PlannedDelivery[] {
  const kind = EVENT_BY_STATUS[event.to_status];
  if (!kind) return [];
  const payload = buildPayload(kind.type, event, job);
  const planned: PlannedDelivery[] = [];
  const add = (owner: PlanJob, target: string, url: string) => {
    if (planned.some((p) => p.url === url)) return;
    planned.push({ ownerJobId: owner.id, target, url, eventType: kind.type, payload });
  };
  const listens = (o: Observer, e: ObserverEvent) => o.events.includes(e);

  if (kind.terminal && job.callback_url) add(job, 'callback_url', job.callback_url);
  for (const o of observersOf(job)) if (listens(o, kind.observerEvent)) add(job, `observer:${o.index}`, o.url);
  if (parent && parent.org_id === job.org_id && job.parent_job_id === parent.id) {
    for (const o of observersOf(parent)) if (listens(o, kind.observerEvent)) add(parent, `observer:${o.index}`, o.url);
  }
  return planned;
}
