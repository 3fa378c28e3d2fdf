/** A row of `schedules` as the pg driver returns it. */
export interface ScheduleRow {
  id: string;
  org_id: string;
  name: string | null;
  cron: string;
  timezone: string;
  /** The create-job body every fire uses (validated like POST /services/agent-jobs). */
  job: Record<string, unknown>;
  enabled: boolean;
  next_run_at: Date | null;
  last_run_at: Date | null;
  last_job_id: string | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A row of `schedule_runs`: one per fire time taken, whatever its outcome. */
export interface ScheduleRunRow {
  schedule_id: string;
  fire_at: Date;
  job_id: string | null;
  error: { code: string; message: string; errors?: unknown } | null;
  catch_up: boolean;
  created_at: Date;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The API's Schedule representation. */
export const scheduleView = (s: ScheduleRow) => ({
  id: s.id,
  org_id: s.org_id,
  name: s.name,
  cron: s.cron,
  timezone: s.timezone,
  job: s.job,
  enabled: s.enabled,
  next_run_at: iso(s.next_run_at),
  last_run_at: iso(s.last_run_at),
  last_job_id: s.last_job_id,
  created_at: iso(s.created_at),
  updated_at: iso(s.updated_at),
});

export const scheduleRunView = (r: ScheduleRunRow) => ({
  fire_at: iso(r.fire_at),
  job_id: r.job_id,
  catch_up: r.catch_up,
  error: r.error,
  created_at: iso(r.created_at),
});
