import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '@app/auth';
import { DomainError } from '@app/common';
import { CreateJobDto, JobsCreateService } from '@app/jobs';
import type { FirePlan } from './fire-plan';
import type { ScheduleRow } from './schedule-row';

export type FireOutcome =
  | { jobId: string; error: null }
  | { jobId: null; error: { code: string; message: string; errors?: unknown } };

/** The Idempotency-Key of one fire: retrying the fire (after a crash) finds the same job. */
export const fireKey = (scheduleId: string, fireAt: Date) => `schedule:${scheduleId}:${fireAt.toISOString()}`;

/**
 * Creates the one ordinary job of a fire through JobsCreateService (same validation, channel
 * upsert and queueing as POST /services/agent-jobs), scheduled at the fire time, recorded with
 * actor `schedule:<id>`. A 4xx (job type deleted, params no longer fit its schema...) is an
 * outcome to record, not an error: the schedule moves on. Anything else is thrown (retried later).
 */
@Injectable()
export class ScheduledJobCreator {
  private readonly logger = new Logger(ScheduledJobCreator.name);

  constructor(private readonly jobs: JobsCreateService, private readonly db: DataSource) {}

  async create(s: ScheduleRow, plan: FirePlan): Promise<FireOutcome> {
    const fireAt = plan.fireAt.toISOString();
    const metadata = { ...((s.job.metadata as object | undefined) ?? {}), schedule_id: s.id, fire_at: fireAt, catch_up: plan.catchUp };
    const body = { ...s.job, scheduled_at: fireAt, metadata } as unknown as CreateJobDto;
    // The schedule acts for its org; the job's events name the schedule, not a token.
    const caller: Principal = { tokenId: s.id, orgId: s.org_id, scopes: {} };
    const key = fireKey(s.id, plan.fireAt);
    try {
      const created = await this.jobs.create(caller, { body, idempotencyKey: key, actor: `schedule:${s.id}` });
      return { jobId: created.job.id, error: null };
    } catch (err) {
      if (!(err instanceof DomainError) || err.status >= 500 || err.code === 'IDEMPOTENCY_CONFLICT') throw err;
      if (err.code === 'IDEMPOTENCY_KEY_REUSED') {
        // This fire's job exists, created from the schedule's job body as it was then (it changed since).
        const jobId = await this.jobIdOfKey(s.org_id, key);
        if (jobId) return { jobId, error: null };
      }
      this.logger.warn(`schedule ${s.id} fire ${fireAt}: no job created: ${err.code} ${err.message}`);
      return { jobId: null, error: { code: err.code, message: err.message, ...(err.errors ? { errors: err.errors } : {}) } };
    }
  }

  private async jobIdOfKey(orgId: string, key: string): Promise<string | null> {
    const [row] = await this.db.query(`SELECT job_id FROM idempotency_keys WHERE org_id = $1 AND key = $2`, [orgId, key]);
    return row?.job_id ?? null;
  }
}
