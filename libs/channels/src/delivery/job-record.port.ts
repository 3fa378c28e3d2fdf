/**
 * What a channel post's finish writes on its job, as SQL fragments from the library that owns
 * `jobs` and `job_events` (libs/jobs binds JOB_RECORD_SQL; docs/decisions.md "Table
 * ownership"). Fragments, not a service call: the post, the job's delivery summary and its
 * delivery event must change in one statement (one lock order, no window between them).
 *
 * Each builder gets SQL text from the calling statement: `from` a FROM item (a CTE name or a
 * subquery with its alias), `where` a condition over it, the other fields expressions over it.
 */
export interface JobRecordSql {
  /** `UPDATE jobs ... SET delivery = <value(job alias)>` for the jobs named by `jobId`/`orgId`. */
  setDelivery(src: { from: string; jobId: string; orgId: string; value: (job: string) => string }): string;
  /** `INSERT INTO job_events` of one delivery event per row (from = to = `status`; actor `delivery`). */
  insertDeliveryEvents(src: { from: string; where: string; jobId: string; orgId: string; status: string; taskId: string; reason: string }): string;
  /**
   * A SELECT of the jobs `jobId`/`orgId` of `from` names, locked in id order: columns id, org_id,
   * status, and `current` (whether the locked row is still the one the statement's snapshot holds).
   */
  lockJobs(src: { from: string; jobId: string; orgId: string }): string;
  /** A scalar subquery: the JSON {id, org_id, job_type_id, status, target_channel} of one job, or null. */
  jobJson(src: { jobId: string; orgId: string }): string;
  /** A whole statement: locks job $1 of org $2. */
  readonly lockJob: string;
}

export const JOB_RECORD_SQL = Symbol('JobRecordSql');
