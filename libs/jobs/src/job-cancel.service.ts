import { Injectable } from '@nestjs/common';
import { conflict, forbidden, notFound } from '@app/common';
import { MetricsService } from '@app/common/metrics';
import { JobAbortBus, TaskQueue } from '@app/queue';
import { JobTransitionsRepository } from './job-transitions.repository';

/** Cancels a job and its unfinished subjobs: Postgres first (the truth), then Bull and the workers are told. */
@Injectable()
export class JobCancelService {
  constructor(
    private readonly transitions: JobTransitionsRepository,
    private readonly queue: TaskQueue,
    private readonly aborts: JobAbortBus,
    private readonly metrics: MetricsService,
  ) {}

  async cancel(orgId: string, jobId: string, reason: string | null, actor: string): Promise<void> {
    const outcome = await this.transitions.cancel(jobId, orgId, reason, actor);
    if (!outcome.found) throw notFound('JOB_NOT_FOUND', `Job '${jobId}' not found`);
    if (outcome.orgId !== orgId) throw forbidden('FORBIDDEN', `Job '${jobId}' belongs to another org`);
    if (!outcome.canceled) {
      throw conflict('JOB_ALREADY_TERMINAL', `Job '${jobId}' is already ${outcome.previousStatus} and cannot be canceled`);
    }
    // Queued tasks are dropped; a task already on a worker gets its agent call aborted.
    // Should this process die here, the workers' claim finds the jobs CANCELED and skips them.
    for (const job of outcome.jobs) {
      this.metrics.jobFinished('CANCELED', job.jobTypeId);
      await Promise.all(job.taskIds.map((id) => this.queue.remove(id)));
      if (job.previousStatus === 'RUNNING') await this.aborts.publish(job.id, 'canceled');
    }
  }
}
