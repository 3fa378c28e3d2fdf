import type { EntityManager } from 'typeorm';
import type { OrgLookup } from '@app/database';
import type { PlanJob } from './dispatch/delivery-plan';

/** A job event waiting in the outbox (job_events with dispatched = false). */
export interface OutboxEvent {
  id: string;
  job_id: string;
  org_id: string;
  to_status: string;
  at: Date;
  reason: string | null;
}

/**
 * What this library reads and writes of libs/jobs' tables (jobs, job_events), through the
 * owner: libs/jobs binds OBSERVED_JOBS (it depends on this library through libs/channels, so
 * this one cannot import it; docs/decisions.md "Table ownership"). The outbox methods work for
 * all orgs: the dispatcher drains every org's events, and each event carries its org. `em`: the
 * dispatcher's transaction, which also inserts the deliveries the events lead to.
 */
export interface ObservedJobs {
  /** Whose job `jobId` is, for the 404/403 of the deliveries routes. */
  ownerLookup(orgId: string, jobId: string): Promise<OrgLookup<{ org_id: string }>>;
  /** All orgs: is any event waiting? */
  anyUndispatchedAllOrgs(): Promise<boolean>;
  /** All orgs: the oldest waiting events, `limit` at most, locked (SKIP LOCKED: workers share the outbox). */
  claimUndispatchedAllOrgs(em: EntityManager, limit: number): Promise<OutboxEvent[]>;
  /** The jobs (of any org) the claimed events name, and their parents, with what the delivery plan reads. */
  planJobsAllOrgs(em: EntityManager, jobIds: string[]): Promise<Array<PlanJob & { org_id: string }>>;
  markDispatched(em: EntityManager, eventIds: string[]): Promise<void>;
}

export const OBSERVED_JOBS = Symbol('ObservedJobs');
