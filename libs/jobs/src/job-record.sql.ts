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

  // xmin compared with a fresh read of the row: a lock that waited may hold a newer row than the snapshot.
  lockJobs: ({ from, jobId, orgId }) => `
    SELECT job.id, job.org_id, job.status,
           job.version = (SELECT v.xmin::text FROM jobs v WHERE v.id = job.id AND v.org_id = job.org_id) AS current
    FROM (
      SELECT id, org_id, status, xmin::text AS version FROM jobs
      WHERE (id, org_id) IN (SELECT ${jobId}, ${orgId} FROM ${from})
      ORDER BY id
      FOR UPDATE
    ) job`,

  jobJson: ({ jobId, orgId }) =>
    `(SELECT row_to_json(j) FROM (SELECT id, org_id, job_type_id, status, target_channel FROM jobs WHERE id = ${jobId} AND org_id = ${orgId}) j)`,

  lockJob: `SELECT id FROM jobs WHERE id = $1 AND org_id = $2 FOR UPDATE`,
};
