import { Injectable } from '@nestjs/common';
import { conflict, DomainError, notFound } from '@app/common';
import { MetricsService } from '@app/common/metrics';
import { JobTypesService, parseAgentAnswer } from '@app/job-types';
import { TaskResultDto } from './dto/task-result.dto';
import { AppliedOutcome, TaskOutcomeService } from './execution/task-outcome.service';
import { JobsReadRepository } from './jobs-read.repository';

/** An agent's late answer (it said 202 first): applied to its task, if that task is still running. */
@Injectable()
export class TaskResultService {
  constructor(
    private readonly reads: JobsReadRepository,
    private readonly outcomes: TaskOutcomeService,
    private readonly jobTypes: JobTypesService,
    private readonly metrics: MetricsService,
  ) {}

  async report(orgId: string, jobId: string, taskId: string, body: TaskResultDto): Promise<AppliedOutcome> {
    const row = await this.reads.resultTarget(orgId, jobId, taskId);
    if (!row) throw notFound('TASK_NOT_FOUND', `Task '${taskId}' not found`);
    if (row.task_status !== 'RUNNING' || row.job_status !== 'RUNNING') {
      throw conflict('TASK_NOT_RUNNING', `Task '${taskId}' is ${row.task_status} (job ${row.job_status}); its result can no longer change the job`);
    }
    // Only a deleted job type skips the output check; any other error must not let a result through unchecked.
    const outputSchema = await this.jobTypes.getRecent(row.org_id, row.job_type_id).then(
      (t) => t.output_schema,
      (err) => {
        if (err instanceof DomainError && err.code === 'JOB_TYPE_NOT_FOUND') return null;
        throw err;
      },
    );
    // The body passed TaskResultDto: it reads as the same answer a 200 would have been (one reader for both).
    const outcome = parseAgentAnswer(body);
    const applied = await this.outcomes.apply(
      {
        job: { id: jobId, org_id: row.org_id, job_type_id: row.job_type_id, config: row.config, follow_ups: row.follow_ups, session_id: row.session_id, params: row.params },
        task: { id: taskId, kind: row.kind, attempt: row.attempt, claims: row.claims },
        outputSchema,
      },
      outcome,
      'agent',
    );
    if (applied === 'ignored') throw conflict('TASK_NOT_RUNNING', `Task '${taskId}' is no longer running`);
    if (outcome.status !== 'accepted') this.metrics.agentSpend(row.job_type_id, outcome as { usage?: { prompt: number; completion: number } });
    return applied;
  }
}
