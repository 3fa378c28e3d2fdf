/**
 * SQL that builds a job's JSON exactly as `jobView` (job-view.ts) does, so that list and get can
 * pass Postgres' text straight to the client instead of parsing rows and serializing them again.
 * Any change to jobView/taskView must be made here too (test/e2e/job-json.e2e-spec.ts compares them).
 * json_build_object, not jsonb_build_object: jsonb would reorder the keys.
 */

/**
 * `Date.prototype.toISOString()` of the Date the pg driver would parse: UTC, milliseconds truncated
 * (postgres-date and to_char's MS both drop the microseconds). Years 0001-9999 only, as JS pads
 * other years differently; jobs' timestamps are never outside them (scheduled_at is clamped to now).
 */
export const isoSql = (expr: string) => `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A usage jsonb as {prompt, completion, total} in that order (jsonb keeps its keys in its own order). */
const usageSql = (u: string) => `json_build_object('prompt', (${u}->>'prompt')::bigint, 'completion', (${u}->>'completion')::bigint, 'total', (${u}->>'total')::bigint)`;

export const taskJsonSql = (t: string) => `json_build_object(
  'task_id', ${t}.id,
  'kind', ${t}.kind,
  'attempt', ${t}.attempt,
  'status', ${t}.status,
  'created_at', ${isoSql(`${t}.created_at`)},
  'run_at', ${isoSql(`${t}.run_at`)},
  'started_at', ${isoSql(`${t}.started_at`)},
  'finished_at', ${isoSql(`${t}.finished_at`)},
  'result', ${t}.result,
  'error', ${t}.error,
  'usage', ${usageSql(`${t}.usage`)},
  'tool_calls', ${t}.tool_calls,
  'iterations', ${t}.iterations)`;

/** The Job representation of row `j` of jobs, as json (cast it to text to keep the driver from parsing it). */
export const jobJsonSql = (j: string) => `json_build_object(
  'job_id', ${j}.id,
  'org_id', ${j}.org_id,
  'channel_code', ${j}.channel_code,
  'job_type_id', ${j}.job_type_id,
  'job_status', ${j}.status,
  'created_at', ${isoSql(`${j}.created_at`)},
  'updated_at', ${isoSql(`${j}.updated_at`)},
  'scheduled_at', ${isoSql(`${j}.scheduled_at`)},
  'started_at', ${isoSql(`${j}.started_at`)},
  'completed_at', ${isoSql(`${j}.completed_at`)},
  'tasks', (SELECT coalesce(json_agg(${taskJsonSql('t')} ORDER BY t.created_at, t.id), '[]'::json) FROM tasks t WHERE t.job_id = ${j}.id),
  'result', ${j}.result,
  'error', ${j}.error,
  'params', ${j}.params,
  'config', ${j}.config,
  'target_channel', ${j}.target_channel,
  'metadata', ${j}.metadata,
  'parent_job_id', ${j}.parent_job_id,
  'subjobs', (SELECT coalesce(json_agg(s.id ORDER BY s.created_at, s.id), '[]'::json) FROM jobs s WHERE s.parent_job_id = ${j}.id),
  'callback_url', ${j}.callback_url,
  'observers', coalesce(nullif(${j}.observers, 'null'::jsonb), '[]'::jsonb),
  'cancel_reason', ${j}.cancel_reason,
  'canceled_by', ${j}.canceled_by,
  'canceled_at', ${isoSql(`${j}.canceled_at`)},
  'delivery', ${j}.delivery,
  'session_id', ${j}.session_id,
  'usage', ${usageSql(`${j}.usage`)},
  'iterations', ${j}.iterations)`;
