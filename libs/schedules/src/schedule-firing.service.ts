import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '@app/common';
import { FailureBackoff } from './failure-backoff';
import { planFire } from './fire-plan';
import type { ScheduleRow } from './schedule-row';

/** A claimed schedule: enabled, with a next_run_at within the lookahead. */
type DueSchedule = ScheduleRow & { next_run_at: Date };
import { ScheduledJobCreator } from './scheduled-job.creator';

/** At most this many fires per pass; a longer backlog continues in the next pass, at once. */
export const MAX_FIRES_PER_PASS = 200;

/**
 * Fires due schedules, exactly once per fire time however many workers run:
 * - each schedule is claimed in its own transaction with FOR UPDATE SKIP LOCKED, so two workers
 *   never hold the same schedule, and a broken one cannot roll back the others;
 * - the fire time is taken with INSERT INTO schedule_runs ... ON CONFLICT DO NOTHING (the
 *   primary key is schedule_id + fire_at), so a fire already taken is never taken again;
 * - the job is created with the Idempotency-Key `schedule:<id>:<fire_at>`: if the process dies
 *   after the job was created but before this transaction commits, the retried fire finds it;
 * - next_run_at advances in the same transaction as the run row.
 * Schedules are claimed up to 2 x SCHEDULE_POLL_MS ahead, so jobs exist (SCHEDULED) before their
 * fire time and start on time through the ordinary scheduled-job path.
 */
@Injectable()
export class ScheduleFiringService {
  private readonly logger = new Logger(ScheduleFiringService.name);
  private readonly backoff: FailureBackoff;

  constructor(
    private readonly db: DataSource,
    private readonly creator: ScheduledJobCreator,
    private readonly config: AppConfig,
  ) {
    this.backoff = new FailureBackoff(Math.max(1000, 2 * config.SCHEDULE_POLL_MS));
  }

  get lookaheadMs(): number {
    return 2 * this.config.SCHEDULE_POLL_MS;
  }

  /** Fires what is due now (or within the lookahead); returns how many fires it handled. */
  async pass(maxFires = MAX_FIRES_PER_PASS): Promise<number> {
    let handled = 0;
    while (handled < maxFires && (await this.fireNextDue())) handled++;
    return handled;
  }

  /** Claims one due schedule, fires it, commits. False when nothing is due. */
  private async fireNextDue(): Promise<boolean> {
    let claimed: string | undefined;
    try {
      const id = await this.db.transaction(async (em) => {
        const s = await this.claim(em);
        if (!s) return undefined;
        claimed = s.id;
        await this.fire(em, s);
        return s.id;
      });
      if (id) this.backoff.succeeded(id);
      return id !== undefined;
    } catch (err) {
      if (!claimed) throw err;
      const delay = this.backoff.failed(claimed);
      this.logger.warn(`schedule ${claimed}: fire failed, retrying in ${delay} ms: ${(err as Error).message}`);
      return true;
    }
  }

  private async claim(em: EntityManager): Promise<DueSchedule | undefined> {
    const [row] = await em.query(
      `SELECT * FROM schedules
       WHERE enabled AND next_run_at <= $1 AND NOT (id = ANY($2::text[]))
       ORDER BY next_run_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
      [new Date(Date.now() + this.lookaheadMs), this.backoff.blocked()],
    );
    return row;
  }

  private async fire(em: EntityManager, s: DueSchedule): Promise<void> {
    const plan = planFire(s, new Date());
    const taken = await em.query(
      `INSERT INTO schedule_runs (schedule_id, fire_at, catch_up) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING fire_at`,
      [s.id, plan.fireAt, plan.catchUp],
    );
    if (!taken.length) {
      // This fire time was taken before (its run row exists): only move on.
      await em.query(`UPDATE schedules SET next_run_at = $3 WHERE id = $1 AND org_id = $2`, [s.id, s.org_id, plan.nextRunAt]);
      return;
    }
    const outcome = await this.creator.create(s, plan);
    await em.query(
      `UPDATE schedule_runs SET job_id = $3, error = $4 WHERE schedule_id = $1 AND fire_at = $2`,
      [s.id, plan.fireAt, outcome.jobId, outcome.error ? JSON.stringify(outcome.error) : null],
    );
    await em.query(
      `UPDATE schedules SET next_run_at = $3, last_run_at = $4, last_job_id = COALESCE($5, last_job_id)
       WHERE id = $1 AND org_id = $2`,
      [s.id, s.org_id, plan.nextRunAt, plan.fireAt, outcome.jobId],
    );
  }
}
