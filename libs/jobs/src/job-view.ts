import type { Usage } from '@app/job-types';
import type { JobEventRow, JobRow, TaskRow } from './job-rows';

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const usageView = (u: Usage): Usage => ({ prompt: Number(u.prompt), completion: Number(u.completion), total: Number(u.total) });

export const taskView = (t: TaskRow) => ({
  task_id: t.id,
  kind: t.kind,
  attempt: t.attempt,
  status: t.status,
  created_at: iso(t.created_at),
  run_at: iso(t.run_at),
  started_at: iso(t.started_at),
  finished_at: iso(t.finished_at),
  result: t.result ?? null,
  error: t.error ?? null,
  usage: usageView(t.usage),
  tool_calls: t.tool_calls,
  iterations: t.iterations,
});

/** The first task of a job just created (PENDING, due at its scheduled_at), without reading it back. */
export const firstTaskView = (j: JobRow, taskId: string): ReturnType<typeof taskView> => ({
  task_id: taskId, kind: 'initial', attempt: 1, status: 'PENDING', created_at: iso(j.created_at), run_at: iso(j.scheduled_at),
  started_at: null, finished_at: null, result: null, error: null, usage: { prompt: 0, completion: 0, total: 0 }, tool_calls: [], iterations: 0,
});

/** The spec's Job representation. List and get have Postgres build the same JSON (job-json.sql.ts): change both. */
export const jobView = (j: JobRow, tasks: TaskRow[], subjobs: string[]) => ({
  job_id: j.id,
  org_id: j.org_id,
  channel_code: j.channel_code,
  job_type_id: j.job_type_id,
  job_status: j.status,
  created_at: iso(j.created_at),
  updated_at: iso(j.updated_at),
  scheduled_at: iso(j.scheduled_at),
  started_at: iso(j.started_at),
  completed_at: iso(j.completed_at),
  tasks: tasks.map(taskView),
  result: j.result ?? null,
  error: j.error ?? null,
  params: j.params,
  config: j.config,
  target_channel: j.target_channel,
  metadata: j.metadata,
  parent_job_id: j.parent_job_id,
  subjobs,
  callback_url: j.callback_url,
  observers: j.observers ?? [],
  cancel_reason: j.cancel_reason,
  canceled_by: j.canceled_by,
  canceled_at: iso(j.canceled_at),
  delivery: j.delivery ?? null,
  session_id: j.session_id,
  usage: usageView(j.usage),
  iterations: j.iterations,
});

/** The spec's event: `id` is the job_events bigserial (increasing, unique in the deployment). */
export const eventView = (e: JobEventRow) => ({
  id: Number(e.id),
  job_id: e.job_id,
  kind: e.kind,
  from: e.from_status,
  to: e.to_status,
  at: iso(e.at),
  actor: e.actor,
  reason: e.reason,
  task_id: e.task_id,
});
