import { CallbackTokens } from '@app/auth';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, DomainError } from '@app/common';
import { addToLogContext } from '@app/common/logging';
import { MetricsService } from '@app/common/metrics';
import { AgentExecutor, AgentOutcome, JobTypeEntity, JobTypesService } from '@app/job-types';
import { AgentTaskPayload, TaskQueue } from '@app/queue';
import { SessionJobs } from '@app/sessions';
import { JobTransitionsRepository } from '../job-transitions.repository';
import { JobsReadRepository } from '../jobs-read.repository';
import { TaskTransitionsRepository } from '../task-transitions.repository';
import type { JobRow, TaskRow } from '../job-rows';
import { taskView } from '../job-view';
import { AbortReason, InFlightTasks } from './in-flight-tasks';
import { TaskOutcomeService } from './task-outcome.service';


/** Runs one task: claim it, call its agent (HTTP or builtin), apply what the agent answered. */
@Injectable()
export class TaskRunnerService {
  private readonly logger = new Logger(TaskRunnerService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly reads: JobsReadRepository,
    private readonly transitions: JobTransitionsRepository,
    private readonly tasks: TaskTransitionsRepository,
    private readonly queue: TaskQueue,
    private readonly jobTypes: JobTypesService,
    private readonly agents: AgentExecutor,
    private readonly outcomes: TaskOutcomeService,
    private readonly callbacks: CallbackTokens,
    private readonly inFlight: InFlightTasks,
    private readonly metrics: MetricsService,
    private readonly sessions: SessionJobs,
  ) {}

  async run(payload: AgentTaskPayload): Promise<void> {
    const claimed = await this.tasks.claimTask(payload.job_id, payload.task_id);
    if (!claimed) return; // canceled, finished, another worker has it, or this one is not known alive
    const { job, task } = claimed;
    // The queue payload names the job and task; its session is known once the job is read.
    if (job.session_id) addToLogContext({ session_id: job.session_id });
    const stop = this.metrics.taskTimer();
    let executor = 'none';
    let ended = 'error';
    const deadline = job.deadline_at!;
    if (deadline.getTime() <= Date.now()) {
      await this.timeout(job.id);
      stop(executor, 'timeout');
      return;
    }
    const controller = this.inFlight.start(job.id, task.id);
    const deadlineTimer = setTimeout(() => controller.abort('deadline' satisfies AbortReason), deadline.getTime() - Date.now());
    try {
      const jobType = await this.jobType(job.org_id, job.job_type_id);
      executor = jobType?.executor.type ?? executor;
      const outcome: AgentOutcome = jobType
        ? await this.execute(job, task, jobType, controller.signal)
        : { status: 'failed', error: { code: 'JOB_TYPE_NOT_FOUND', message: `Job type '${job.job_type_id}' no longer exists` } };
      // Awaited (not `return promise`): `finally` must not drop the in-flight entry before the
      // abort's state change is written, or a shutting-down worker closes with the task still RUNNING.
      if (controller.signal.aborted) {
        ended = await this.onAbort(job, task, controller.signal.reason);
        return;
      }
      ended = await this.outcomes.apply({ job, task, outputSchema: jobType?.output_schema ?? null }, outcome, 'worker');
    } catch (err) {
      if (!controller.signal.aborted) throw err;
      ended = await this.onAbort(job, task, controller.signal.reason);
    } finally {
      stop(executor, ended);
      this.logger.log(`task ${task.kind} #${task.attempt}: ${ended} (${executor} executor)`);
      clearTimeout(deadlineTimer);
      this.inFlight.end(job.id, task.id);
    }
  }

  /**
   * Through the job type's executor (HTTP, builtin or openai), as session turns are; an aborted
   * call's outcome is ignored by run(). A job in a session gets the session's history as it is
   * now (turns and jobs since the job was created included).
   */
  private async execute(job: JobRow, task: TaskRow, jobType: JobTypeEntity, signal: AbortSignal): Promise<AgentOutcome> {
    const [previous, messages] = await Promise.all([
      task.kind === 'initial' ? [] : this.previousTasks(job.org_id, job.id, task.id),
      job.session_id ? this.sessions.history(job.org_id, job.session_id) : [],
    ]);
    const callbackUrl = `${this.config.publicUrl}/services/agent-jobs/${job.id}/tasks/${task.id}/result`;
    return this.agents.run(jobType, {
      org_id: job.org_id, job_id: job.id, task_id: task.id, kind: task.kind, attempt: task.attempt,
      job_type_id: job.job_type_id, params: job.params, config: job.config as unknown as Record<string, unknown>,
      target_channel: job.target_channel, metadata: job.metadata, previous_tasks: previous,
      session_id: job.session_id, messages,
      callback: { url: callbackUrl, token: this.callbacks.issue(task.id, job.id, job.org_id, job.deadline_at!) },
    }, { signal, deadline: job.deadline_at! });
  }

  /** What became of the task (its outcome in the metrics). */
  private async onAbort(job: JobRow, task: TaskRow, reason: AbortReason): Promise<'timeout' | 'handed_back' | 'canceled'> {
    if (reason === 'deadline') await this.timeout(job.id);
    else if (reason === 'shutdown') await this.handBack(task);
    // 'canceled': Postgres already says CANCELED; nothing the agent said may change it.
    return reason === 'deadline' ? 'timeout' : reason === 'shutdown' ? 'handed_back' : 'canceled';
  }

  /** Shutting down: the task goes back to PENDING and on the queue at once, for a worker that stays. */
  private async handBack(task: TaskRow): Promise<void> {
    const released = await this.tasks.releaseTask(task.id, task.claims);
    if (!released) return;
    await this.queue.enqueue({ task_id: released.id, job_id: released.job_id, org_id: released.org_id, run_at: new Date(), claims: released.claims });
  }

  private async timeout(jobId: string): Promise<void> {
    const timedOut = await this.transitions.timeoutJobs(jobId);
    if (timedOut.length) this.logger.log(`job ${jobId} failed: TIMEOUT`);
  }

  private async previousTasks(orgId: string, jobId: string, currentTaskId: string) {
    return (await this.reads.previousTasks(orgId, jobId, currentTaskId)).map(taskView);
  }

  /**
   * Through JobTypesService's one-second cache. Only a deleted type is null (the task fails
   * with JOB_TYPE_NOT_FOUND); a database error propagates so the task's lease recovers it.
   */
  private async jobType(orgId: string, id: string): Promise<JobTypeEntity | null> {
    return this.jobTypes.getRecent(orgId, id).catch((err) => {
      if (err instanceof DomainError && err.code === 'JOB_TYPE_NOT_FOUND') return null;
      throw err;
    });
  }

}
