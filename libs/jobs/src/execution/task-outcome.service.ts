import { Injectable } from '@nestjs/common';
import { newId } from '@app/common';
import { MetricsService } from '@app/common/metrics';
import { AgentOutcome, AgentSpend, JobConfig, JsonSchemas, NO_USAGE } from '@app/job-types';
import { ChannelPostQueue, TaskQueue } from '@app/queue';
import { NewTask, TaskFinish, TaskTransitionsRepository } from '../task-transitions.repository';
import type { JobError, TaskKind } from '../job-status';
import { jobAnswer, jobBrief } from './session-messages';

export interface OutcomeTarget {
  /** `session_id`, `params`: a job completed in a session appends its brief and result there. */
  job: { id: string; org_id: string; job_type_id: string; config: JobConfig; follow_ups: number; session_id: string | null; params: Record<string, unknown> };
  /** `claims`: the claim the outcome belongs to (tasks.claims when it was read); another claim's task is not changed. */
  task: { id: string; kind: TaskKind; attempt: number; claims: number };
  outputSchema: object | null;
}

export type AppliedOutcome = 'completed' | 'failed' | 'retry' | 'follow_up' | 'awaiting_callback' | 'ignored';

/**
 * The job state machine's rules for what an agent answered: complete, retry, follow up,
 * fail. The worker and the async result route both come through here.
 */
@Injectable()
export class TaskOutcomeService {
  constructor(
    private readonly transitions: TaskTransitionsRepository,
    private readonly schemas: JsonSchemas,
    private readonly queue: TaskQueue,
    private readonly posts: ChannelPostQueue,
    private readonly metrics: MetricsService,
  ) {}

  async apply(target: OutcomeTarget, outcome: AgentOutcome, actor: string): Promise<AppliedOutcome> {
    if (outcome.status === 'accepted') {
      await this.transitions.markAwaitingCallback(target.task.id, target.task.claims);
      return 'awaiting_callback';
    }
    // Spent whatever the task's end: a failed or mismatching answer's tokens count too.
    const spend: AgentSpend = { usage: outcome.usage ?? NO_USAGE, tool_calls: outcome.tool_calls ?? [], iterations: outcome.iterations ?? 0 };
    if (outcome.status !== 'failed') {
      const mismatch = this.schemas.validate(target.outputSchema, outcome.result, 'result');
      if (mismatch.length) {
        const message = mismatch.map((e) => `${e.field} ${e.message}`).join('; ').slice(0, 1000);
        return this.fail(target, { code: 'OUTPUT_SCHEMA_MISMATCH', message }, actor, spend);
      }
    }
    const { job, task } = target;
    const base = { jobId: job.id, taskId: task.id, claim: task.claims, actor, spend };
    if (outcome.status === 'completed') {
      return this.finish(target, { ...base, ...this.completion(target, outcome.result), taskStatus: 'COMPLETED', taskResult: outcome.result }, 'completed');
    }
    if (outcome.status === 'follow_up') {
      if (job.follow_ups >= job.config.max_follow_ups) {
        return this.finish(target, {
          ...base, ...this.completion(target, outcome.result), taskStatus: 'COMPLETED', taskResult: outcome.result,
          reason: `max_follow_ups (${job.config.max_follow_ups}) reached`,
        }, 'completed');
      }
      const next = this.nextTask('follow_up', 1, (outcome.delay_seconds ?? 0) * 1000);
      return this.finish(target, { ...base, taskStatus: 'COMPLETED', taskResult: outcome.result, jobResult: outcome.result, followUp: true, next }, 'follow_up');
    }
    return this.fail(target, outcome.error, actor, spend);
  }

  /** The job completes with `result`; inside a session, its brief and result go to the session's history with it. */
  private completion(target: OutcomeTarget, result: unknown): Pick<TaskFinish, 'jobStatus' | 'jobResult' | 'sessionAppend'> {
    const { job } = target;
    const sessionAppend = job.session_id ? { brief: jobBrief(job), answer: jobAnswer(result) } : undefined;
    return { jobStatus: 'COMPLETED', jobResult: result, sessionAppend };
  }

  private async fail(target: OutcomeTarget, error: JobError, actor: string, spend: AgentSpend): Promise<AppliedOutcome> {
    const { job, task } = target;
    const base = { jobId: job.id, taskId: task.id, claim: task.claims, actor, spend, taskStatus: 'FAILED' as const, taskError: error };
    // Attempt n has used n-1 retries.
    if (task.attempt <= job.config.max_task_retries) {
      const next = this.nextTask('retry', task.attempt + 1, job.config.task_retry_interval * 1000);
      return this.finish(target, { ...base, next }, 'retry');
    }
    return this.finish(target, { ...base, jobStatus: 'FAILED', jobError: error, reason: `${error.code}: ${error.message}`.slice(0, 500) }, 'failed');
  }

  private nextTask(kind: TaskKind, attempt: number, delayMs: number): NewTask {
    return { id: newId('task'), kind, attempt, run_at: new Date(Date.now() + delayMs) };
  }

  private async finish(target: OutcomeTarget, f: TaskFinish, applied: AppliedOutcome): Promise<AppliedOutcome> {
    const { applied: done, posted } = await this.transitions.finishTask(f);
    if (!done) return 'ignored';
    if (f.jobStatus) this.metrics.jobFinished(f.jobStatus, target.job.job_type_id);
    if (posted) await this.posts.first({ org_id: target.job.org_id, job_id: f.jobId, task_id: f.taskId });
    if (f.next) await this.queue.enqueue({ org_id: target.job.org_id, job_id: f.jobId, task_id: f.next.id, run_at: f.next.run_at });
    return applied;
  }
}
