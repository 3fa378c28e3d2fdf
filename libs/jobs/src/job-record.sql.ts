import type { JobRecordSql } from '@app/channels';

/**
 * This library's writes of `jobs` and `job_events` that the channel-posts outbox composes
 * into its finish statement (the port is declared by libs/channels, which this library
 * depends on; docs/decisions.md "Table ownership"). Bound in JobsPortsModule.
 */
export const jobRecordSql: JobRecordSql = {
  setDelivery: ({ from, jobId, orgId, value }) =>
    `UPDATE jobs j SET delivery = ${value('j')} FROM ${from} WHERE j.id = ${jobId} AND j.org_id = ${orgId}`,

  // Stored dispatched: a delivery outcome is never an observer event.
  insertDeliveryEvents: ({ from, where, jobId, orgId, status, taskId, reason }) =>
    `INSERT INTO job_events (job_id, org_id, from_status, to_status, actor, reason, task_id, dispatched, kind)
     SELECT ${jobId}, ${orgId}, ${status}, ${status}, 'delivery', left(${reason}, 500), ${taskId}, true, 'delivery'
     FROM ${from}
     WHERE ${where}`,
};
