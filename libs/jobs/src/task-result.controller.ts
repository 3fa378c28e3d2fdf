import { CallbackTokens } from '@app/auth';
import { Body, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { conflict, DomainError, envelope, notFound } from '@app/common';
import { JobTypesService } from '@app/job-types';
import { TaskResultDto } from './dto/task-result.dto';
import { TaskOutcomeService } from './execution/task-outcome.service';

/**
 * Where an agent that answered 202 reports its result. Authenticated by the task's
 * callback token (not an API token): it is valid for that one task only.
 */
@Controller('services/agent-jobs/:id/tasks/:task_id/result')
export class TaskResultController {
  constructor(
    private readonly db: DataSource,
    private readonly callbacks: CallbackTokens,
    private readonly outcomes: TaskOutcomeService,
    private readonly jobTypes: JobTypesService,
  ) {}

  @Post()
  @HttpCode(200)
  async report(
    @Param('id') jobId: string,
    @Param('task_id') taskId: string,
    @Headers('authorization') authorization: string | undefined,
    @Body() body: TaskResultDto,
  ) {
    const claims = this.callbacks.verify(/^Bearer (.+)$/i.exec(authorization ?? '')?.[1], jobId, taskId);
    const [row] = await this.db.query(
      `SELECT t.id, t.kind, t.attempt, t.claims, t.status AS task_status, j.id AS job_id, j.org_id, j.status AS job_status,
              j.config, j.follow_ups, j.job_type_id
       FROM tasks t JOIN jobs j ON j.id = t.job_id WHERE t.id = $1 AND j.id = $2 AND j.org_id = $3`,
      [taskId, jobId, claims.org_id],
    );
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
    const outcome = body.status === 'failed'
      ? { status: 'failed' as const, error: body.error! }
      : body.status === 'follow_up'
        ? { status: 'follow_up' as const, result: body.result ?? null, delay_seconds: body.delay_seconds ?? 0 }
        : { status: 'completed' as const, result: body.result ?? null };
    const applied = await this.outcomes.apply(
      { job: { id: jobId, org_id: row.org_id, job_type_id: row.job_type_id, config: row.config, follow_ups: row.follow_ups }, task: { id: taskId, kind: row.kind, attempt: row.attempt, claims: row.claims }, outputSchema },
      outcome,
      'agent',
    );
    if (applied === 'ignored') throw conflict('TASK_NOT_RUNNING', `Task '${taskId}' is no longer running`);
    return envelope({ job_id: jobId, task_id: taskId, applied }, { org_id: row.org_id, job_id: jobId });
  }
}
