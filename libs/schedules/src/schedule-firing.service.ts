import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '@app/common';
import { FailureBackoff } from './failure-backoff';
import { planFire } from './fire-plan';
import { ScheduleClock } from './schedule-clock';
import { Fire, RunError, ScheduleFiresRepository } from './schedule-fires.repository';
import { ScheduledJobCreator } from './scheduled-job.creator';

/** At most this many fires per pass; a longer backlog continues in the next pass, at once. */
export const MAX_FIRES_PER_PASS = 200;

/** How long a worker may take to create a fire's job before another worker takes the fire over. */
export const FIRE_LEASE_MS = 60_000;

/** The run's error when the schedule was paused after the fire was taken, before its job was stored. */
const PAUSED: RunError = { code: 'SCHEDULE_PAUSED', message: 'The schedule was paused before the job of this fire was created' };

/**
 * Fires due schedules, exactly once per fire time however many workers run:
 * - a fire time is taken in a short transaction of its own (the schedule row locked FOR UPDATE
 *   SKIP LOCKED, so two workers never take the same schedule; the run row's primary key is
 *   schedule_id + fire_at, so a time is never taken twice; next_run_at advances with it);
 * - its job is created after that commit, with the Idempotency-Key `schedule:<id>:<fire_at>`,
 *   and stored in one transaction with the run's job id, refused if the schedule was deleted or
 *   paused meanwhile (ScheduleFiresRepository);
 * - a fire whose worker died before its job was stored is taken over once its retry_at passes.
 * Schedules are claimed up to 2 x SCHEDULE_POLL_MS ahead, so jobs exist (SCHEDULED) before their
 * fire time and start on time through the ordinary scheduled-job path. Time is ScheduleClock's.
 */
@Injectable()
export class ScheduleFiringService {
  private readonly logger = new Logger(ScheduleFiringService.name);
  private readonly backoff: FailureBackoff;

  constructor(
    private readonly db: DataSource,
    private readonly fires: ScheduleFiresRepository,
    private readonly creator: ScheduledJobCreator,
    private readonly clock: ScheduleClock,
    private readonly config: AppConfig,
  ) {
    this.backoff = new FailureBackoff(Math.max(1000, 2 * config.SCHEDULE_POLL_MS));
  }

  get lookaheadMs(): number {
    return 2 * this.config.SCHEDULE_POLL_MS;
  }

  /** Fires what is due now (or within the lookahead), pending fires first; returns how many fires it handled. */
  async pass(maxFires = MAX_FIRES_PER_PASS): Promise<number> {
    let handled = 0;
    while (handled < maxFires && (await this.fireOne())) handled++;
    return handled;
  }

  /** One fire: a pending one taken over, or the next due one. False when there is none. */
  private async fireOne(): Promise<boolean> {
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + FIRE_LEASE_MS);
    const fire = (await this.fires.claimPending(now, leaseUntil, this.backoff.blocked())) ?? (await this.takeDue(now, leaseUntil));
    if (fire === undefined) return false;
    if (fire !== 'moved on') await this.createJob(fire);
    return true;
  }

  /** Takes the fire time of the next due schedule and advances it, in one short transaction. */
  private async takeDue(now: Date, leaseUntil: Date): Promise<Fire | 'moved on' | undefined> {
    let claimed: string | undefined;
    try {
      return await this.db.transaction(async (em) => {
        const s = await this.fires.lockDue(em, new Date(now.getTime() + this.lookaheadMs), this.backoff.blocked());
        if (!s) return undefined;
        claimed = s.id;
        const plan = planFire(s, now);
        // A fire time taken before (its run row exists) is never taken again: the schedule only moves on.
        return (await this.fires.take(em, s, plan, leaseUntil)) ? { schedule: s, fireAt: plan.fireAt, catchUp: plan.catchUp } : 'moved on';
      });
    } catch (err) {
      if (!claimed) throw err;
      this.failed(claimed, err);
      return 'moved on';
    }
  }

  private async createJob(fire: Fire): Promise<void> {
    const { schedule: s } = fire;
    try {
      if (!s.enabled) {
        // A pending fire taken over after its schedule was paused.
        await this.fires.record(fire, { jobId: null, error: PAUSED });
        return;
      }
      const outcome = await this.creator.create(fire, (em, jobId) => this.fires.recordJob(em, fire, jobId));
      if (outcome.kind === 'existing') await this.fires.record(fire, { jobId: outcome.jobId, error: null });
      if (outcome.kind === 'refused') await this.fires.record(fire, { jobId: null, error: outcome.error });
      // Deleted: its runs went with it; paused: the run says so.
      if (outcome.kind === 'abandoned') await this.fires.record(fire, { jobId: null, error: PAUSED });
      this.backoff.succeeded(s.id);
    } catch (err) {
      const delay = this.failed(s.id, err);
      // Should that fail too (the database is down), the fire's lease stands and it is retried after it.
      await this.fires.retryAt(fire, new Date(this.clock.now().getTime() + delay)).catch(() => undefined);
    }
  }

  private failed(scheduleId: string, err: unknown): number {
    const delay = this.backoff.failed(scheduleId);
    this.logger.warn(`schedule ${scheduleId}: fire failed, retrying in ${delay} ms: ${(err as Error).message}`);
    return delay;
  }
}
