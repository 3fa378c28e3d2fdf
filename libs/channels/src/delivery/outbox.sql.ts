/**
 * The delivery outbox's SQL that other statements compose in: channel_posts and the job's
 * `delivery` summary belong to this library (docs/decisions.md "Table ownership"), so their
 * text lives here, even where another library's statement runs it (finishing a task inserts
 * its post in the same statement). Each builder gets SQL text from the calling statement.
 */

/**
 * The CTE body that puts completed tasks' results in the outbox (RETURNING task_id): the
 * job's next seq, status PENDING, due at once (next_attempt_at defaults to created_at).
 */
export function insertPostsSql(src: {
  from: string; where: string; taskId: string; jobId: string; orgId: string; result: string; isFinal: string;
}): string {
  return `INSERT INTO channel_posts (task_id, job_id, org_id, seq, result, is_final, status)
    SELECT ${src.taskId}, ${src.jobId}, ${src.orgId}, (SELECT count(*) + 1 FROM channel_posts c WHERE c.job_id = ${src.jobId}), ${src.result},
           ${src.isFinal}, 'PENDING'
    FROM ${src.from}
    WHERE ${src.where}
    RETURNING task_id`;
}

/**
 * The job's `delivery` when a task finishes: PENDING once it leaves a post (`posted`), keeping
 * the first post's ts, the attempts so far and an earlier failure's error; else unchanged.
 */
export function deliveryOnTaskFinishSql(src: { job: string; posted: string }): string {
  const j = src.job;
  return `CASE WHEN ${src.posted} THEN jsonb_build_object(
             'status', 'PENDING',
             'platform', ${j}.target_channel->>'platform',
             'channel', ${j}.target_channel->>'code',
             'ts', ${j}.delivery->'ts',
             'attempts', coalesce((${j}.delivery->>'attempts')::int, 0),
             'error', CASE WHEN ${j}.delivery->>'status' = 'FAILED' THEN ${j}.delivery->'error' END) ELSE ${j}.delivery END`;
}

/**
 * The job's `delivery` from its posts' figures (`stats`: open, failed, attempts, first_ts,
 * failed_error, open_error, see postStatsSql): PENDING while a post is open, else FAILED if
 * one failed, else DELIVERED; ts of the first post; attempts over all posts; the error that matters.
 */
export function deliverySummarySql(job: string, stats: string): string {
  return `jsonb_build_object(
      'status', CASE WHEN ${stats}.open > 0 THEN 'PENDING' WHEN ${stats}.failed > 0 THEN 'FAILED' ELSE 'DELIVERED' END,
      'platform', ${job}.target_channel->>'platform',
      'channel', ${job}.target_channel->>'code',
      'ts', ${stats}.first_ts,
      'attempts', ${stats}.attempts,
      'error', coalesce(${stats}.failed_error, ${stats}.open_error))`;
}

/** Per job, the figures deliverySummarySql reads, over `posts` (rows with job_id, org_id, seq, status, attempts, ts, error). */
export function postStatsSql(posts: string): string {
  return `SELECT job_id, org_id,
             count(*) FILTER (WHERE status IN ('PENDING', 'SENDING')) AS open,
             count(*) FILTER (WHERE status = 'FAILED') AS failed,
             coalesce(sum(attempts), 0)::int AS attempts,
             (array_agg(ts ORDER BY seq) FILTER (WHERE ts IS NOT NULL))[1] AS first_ts,
             (array_agg(error ORDER BY seq) FILTER (WHERE status = 'FAILED'))[1] AS failed_error,
             (array_agg(error ORDER BY seq) FILTER (WHERE status IN ('PENDING', 'SENDING') AND error IS NOT NULL))[1] AS open_error
      FROM ${posts} GROUP BY job_id, org_id`;
}
