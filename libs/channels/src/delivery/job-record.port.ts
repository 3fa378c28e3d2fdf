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
}

export const JOB_RECORD_SQL = Symbol('JobRecordSql');
