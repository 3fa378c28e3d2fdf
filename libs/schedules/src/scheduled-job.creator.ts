import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Principal } from '@app/auth';
import { DomainError } from '@app/common';
import { CreateJobDto, JobsCreateService } from '@app/jobs';
import { Fire, FireAbandoned, RunError } from './schedule-fires.repository';

export type FireOutcome =
  /** Created, and recorded on its run in the job's own transaction. */
  | { kind: 'created'; jobId: string }
  /** Created by an earlier attempt of this fire (found by its idempotency key): to record. */
  | { kind: 'existing'; jobId: string }
  /** The create answered a 4xx (job type deleted, params no longer fit...): to record, and move on. */
  | { kind: 'refused'; error: RunError }
  /** The schedule was deleted or paused before the job was stored: nothing was created. */
  | { kind: 'abandoned' };

/** The Idempotency-Key of one fire: retrying the fire (after a crash) finds the same job. */
export const fireKey = (scheduleId: string, fireAt: Date) => `schedule:${scheduleId}:${fireAt.toISOString()}`;

/**
 * Creates the one ordinary job of a fire through JobsCreateService (same validation, channel
 * upsert and queueing as POST /services/agent-jobs), scheduled at the fire time, recorded with
 * actor `schedule:<id>`. `record` runs in the job's transaction (see ScheduleFiresRepository).
 * Anything but a 4xx or an abandoned fire is thrown (the fire is retried later).
 */
@Injectable()
export class ScheduledJobCreator {
  private readonly logger = new Logger(ScheduledJobCreator.name);

  constructor(private readonly jobs: JobsCreateService) {}

  async create(fire: Fire, record: (em: EntityManager, jobId: string) => Promise<void>): Promise<FireOutcome> {
    const { schedule: s } = fire;
    const fireAt = fire.fireAt.toISOString();
    const metadata = { ...((s.job.metadata as object | undefined) ?? {}), schedule_id: s.id, fire_at: fireAt, catch_up: fire.catchUp };
    const body = { ...s.job, scheduled_at: fireAt, metadata } as unknown as CreateJobDto;
    // The schedule acts for its org; the job's events name the schedule, not a token.
    const caller: Principal = { tokenId: s.id, orgId: s.org_id, scopes: {} };
    const key = fireKey(s.id, fire.fireAt);
    try {
      const created = await this.jobs.create(caller, {
        body, idempotencyKey: key, actor: `schedule:${s.id}`, inTransaction: (em, job) => record(em, job.id),
      });
      return { kind: created.replayed ? 'existing' : 'created', jobId: created.job.id };
    } catch (err) {
      if (err instanceof FireAbandoned) return { kind: 'abandoned' };
      if (!(err instanceof DomainError) || err.status >= 500 || err.code === 'IDEMPOTENCY_CONFLICT') throw err;
      if (err.code === 'IDEMPOTENCY_KEY_REUSED') {
        // This fire's job exists, created from the schedule's job body as it was then (it changed since).
        const jobId = await this.jobs.jobIdOfIdempotencyKey(s.org_id, key);
        if (jobId) return { kind: 'existing', jobId };
      }
      this.logger.warn(`schedule ${s.id} fire ${fireAt}: no job created: ${err.code} ${err.message}`);
      return { kind: 'refused', error: { code: err.code, message: err.message, ...(err.errors ? { errors: err.errors } : {}) } };
    }
  }
}
