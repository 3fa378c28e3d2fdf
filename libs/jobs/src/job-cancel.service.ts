import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { conflict, forbidden, notFound } from '@app/common';
import { JobAbortBus, TaskQueue } from '@app/queue';
import { JobTransitionsRepository } from './job-transitions.repository';

/** Cancels a job: Postgres first (the truth), then Bull and the workers are told; subjobs follow. */
@Injectable()
export class JobCancelService {
  private readonly logger = new Logger(JobCancelService.name);

  constructor(
    private readonly db: DataSource,
    private readonly transitions: JobTransitionsRepository,
    private readonly queue: TaskQueue,
    private readonly aborts: JobAbortBus,
  ) {}

  async cancel(orgId: string, jobId: string, reason: string | null, actor: string): Promise<void> {
    const outcome = await this.transitions.cancel(jobId, orgId, reason, actor);
    if (!outcome.found) throw notFound('JOB_NOT_FOUND', `Job '${jobId}' not found`);
    if (outcome.orgId !== orgId) throw forbidden('FORBIDDEN', `Job '${jobId}' belongs to another org`);
    if (!outcome.canceled) {
      throw conflict('JOB_ALREADY_TERMINAL', `Job '${jobId}' is already ${outcome.previousStatus} and cannot be canceled`);
    }
    await this.stopQueuedWork(jobId, outcome.taskIds, outcome.previousStatus === 'RUNNING');
    await this.cancelSubjobs(orgId, jobId, `parent canceled: ${reason ?? 'no reason given'}`, actor);
  }

  /** Queued tasks are dropped; a task already on a worker gets its agent call aborted. */
  private async stopQueuedWork(jobId: string, taskIds: string[], wasRunning: boolean): Promise<void> {
    await Promise.all(taskIds.map((id) => this.queue.remove(id)));
    if (wasRunning) await this.aborts.publish(jobId, 'canceled');
  }

  /** Every non-terminal descendant is canceled too, each with the same conditional update. */
  private async cancelSubjobs(orgId: string, parentId: string, reason: string, actor: string): Promise<void> {
    const children: Array<{ id: string }> = await this.db.query(
      `SELECT id FROM jobs WHERE parent_job_id = $1 AND org_id = $2 AND status IN ('WAITING', 'SCHEDULED', 'RUNNING')`,
      [parentId, orgId],
    );
    for (const { id } of children) {
      const outcome = await this.transitions.cancel(id, orgId, reason, actor);
      if (outcome.found && outcome.canceled) {
        await this.stopQueuedWork(id, outcome.taskIds, outcome.previousStatus === 'RUNNING');
        this.logger.debug(`subjob ${id} canceled with its parent ${parentId}`);
      }
      await this.cancelSubjobs(orgId, id, reason, actor);
    }
  }
}
