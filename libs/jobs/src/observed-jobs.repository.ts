import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { OrgLookup, orgLookup } from '@app/database';
import type { ObservedJobs, OutboxEvent, PlanJob } from '@app/observers';

/**
 * Is anything waiting? ORDER BY the key of job_events_undispatched_idx makes the partial index
 * the only cheap plan whatever the statistics say: a bare LIMIT 1 let a planner that thinks
 * many rows qualify pick a sequential scan of every event ever written (281 ms at 487k events).
 */
export const OUTBOX_PEEK_SQL = `SELECT id FROM job_events WHERE NOT dispatched ORDER BY id LIMIT 1`;

const JOB_COLUMNS = 'id, org_id, status, result, error, parent_job_id, callback_url, observers, cancel_reason';

/**
 * jobs and job_events as libs/observers reads and marks them (its ObservedJobs port, bound in
 * JobsPortsModule): the owner of a job, and the observers' outbox over job_events, for all orgs.
 */
@Injectable()
export class ObservedJobsRepository implements ObservedJobs {
  constructor(private readonly db: DataSource) {}

  async ownerLookup(orgId: string, jobId: string): Promise<OrgLookup<{ org_id: string }>> {
    const [job] = await this.db.query(`SELECT org_id FROM jobs WHERE id = $1`, [jobId]);
    return orgLookup(orgId, job);
  }

  async anyUndispatchedAllOrgs(): Promise<boolean> {
    const [any] = await this.db.query(OUTBOX_PEEK_SQL);
    return !!any;
  }

  claimUndispatchedAllOrgs(em: EntityManager, limit: number): Promise<OutboxEvent[]> {
    return em.query(
      `SELECT id, job_id, org_id, to_status, at, reason FROM job_events
       WHERE NOT dispatched ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
  }

  planJobsAllOrgs(em: EntityManager, jobIds: string[]): Promise<Array<PlanJob & { org_id: string }>> {
    return em.query(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ANY($1)`, [jobIds]);
  }

  async markDispatched(em: EntityManager, eventIds: string[]): Promise<void> {
    await em.query(`UPDATE job_events SET dispatched = true WHERE id = ANY($1)`, [eventIds]);
  }
}
