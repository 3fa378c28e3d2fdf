import { latestFireAtOrBefore, nextFireAfter } from './cron-schedule';

/** A fire more than this late is "missed" (everything was down): see the missed-fire policy. */
export const MISSED_FIRE_GRACE_MS = 60_000;

export interface FirePlan {
  /** The fire time the job is created for (its scheduled_at, and its idempotency key). */
  fireAt: Date;
  /** True when fires were missed: one job for the most recent missed time, the older ones skipped. */
  catchUp: boolean;
  /** The schedule's next fire time after this one (null: the expression never fires again). */
  nextRunAt: Date | null;
}

/**
 * Decides what one due schedule fires. On time (next_run_at at most the grace in the past, or
 * up to the lookahead in the future): fire at next_run_at, continue with the time after it.
 * Missed (next_run_at more than the grace in the past): fire once for the most recent fire
 * time up to now, skip the older ones, continue with the first fire time after now.
 */
export function planFire(
  s: { cron: string; timezone: string; next_run_at: Date },
  now: Date,
  graceMs = MISSED_FIRE_GRACE_MS,
): FirePlan {
  const due = s.next_run_at;
  if (due.getTime() >= now.getTime() - graceMs) {
    return { fireAt: due, catchUp: false, nextRunAt: nextFireAfter(s.cron, s.timezone, due) };
  }
  const latest = latestFireAtOrBefore(s.cron, s.timezone, now);
  const fireAt = latest && latest.getTime() > due.getTime() ? latest : due;
  return { fireAt, catchUp: true, nextRunAt: nextFireAfter(s.cron, s.timezone, now) };
}
