import type { ScheduleEntity, ScheduleRunEntity } from './entities';

/** A row of `schedules` as the pg driver returns it. */
export type ScheduleRow = ScheduleEntity;

/** A row of `schedule_runs`: one per fire time taken, whatever its outcome. */
export type ScheduleRunRow = ScheduleRunEntity;

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
