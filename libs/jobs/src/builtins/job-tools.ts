import { Injectable } from '@nestjs/common';
import { BuiltinTool, ToolContext, ToolError } from '@app/job-types';
import { TargetChannelDto } from '../dto/create-job.dto';
import { ListJobsQueryDto } from '../dto/list-jobs.query';
import { JOB_STATUSES, JobStatus } from '../job-status';
import { JobsCreateService } from '../jobs-create.service';
import { JobsQueryService } from '../jobs-query.service';
import { JobsReportAgent } from './jobs-report.agent';

const JOB_TYPE_ID = { type: 'string', minLength: 1, maxLength: 100 };

/**
 * The builtin tools of openai executors that read and create jobs. Each acts for the org of the
 * running call (ToolContext), through the same services as the API, so a model can never reach
 * another org's jobs whatever arguments it writes.
 */
@Injectable()
export class JobTools {
  constructor(
    private readonly query: JobsQueryService,
    private readonly create: JobsCreateService,
    private readonly report: JobsReportAgent,
  ) {}

  all(): BuiltinTool[] {
    return [this.listJobs(), this.getJob(), this.createSubjob(), this.jobsReport()];
  }

  private listJobs(): BuiltinTool {
    return {
      name: 'list_jobs',
      description: "Lists this organization's jobs, newest first: id, job type, status, times and error.",
      parameters: {
        type: 'object', additionalProperties: false,
        properties: {
          status: { type: 'array', items: { enum: [...JOB_STATUSES] }, uniqueItems: true, description: 'Only jobs in these statuses.' },
          job_type_id: { ...JOB_TYPE_ID, description: 'Only jobs of this job type.' },
          created_after: { type: 'string', format: 'date-time', description: 'Only jobs created at or after this time (ISO 8601).' },
          limit: { type: 'integer', minimum: 1, maximum: 50, description: 'At most this many jobs (default 20).' },
        },
      },
      run: async (args, ctx) => {
        const q = Object.assign(new ListJobsQueryDto(), {
          limit: (args.limit as number | undefined) ?? 20,
          status: args.status as JobStatus[] | undefined,
          job_type_id: args.job_type_id as string | undefined,
          created_at_gte: args.created_after ? new Date(args.created_after as string) : undefined,
        });
        const page = JSON.parse(await this.query.list(ctx.org_id, q)) as { data: Array<Record<string, unknown>>; meta: { total: number } };
        const jobs = page.data.map((j) => ({
          job_id: j.job_id, job_type_id: j.job_type_id, job_status: j.job_status, created_at: j.created_at, started_at: j.started_at,
          completed_at: j.completed_at, parent_job_id: j.parent_job_id, error: j.error,
        }));
        return { jobs, total: page.meta.total };
      },
    };
  }

  private getJob(): BuiltinTool {
    return {
      name: 'get_job',
      description: 'One job of this organization with its tasks, result and error.',
      parameters: { type: 'object', additionalProperties: false, required: ['job_id'], properties: { job_id: { type: 'string', minLength: 1, maxLength: 100 } } },
      run: async (args, ctx) => {
        // Webhook URLs often carry a token in their query: a model's answer may be posted where more people read it.
        const { callback_url: _callback, observers: _observers, ...job } = JSON.parse(await this.query.getJson(ctx.org_id, args.job_id as string));
        return job;
      },
    };
  }

  private createSubjob(): BuiltinTool {
    return {
      name: 'create_subjob',
      description: 'Creates a subjob of the running job (same organization and channel); answers its job_id and status.',
      parameters: {
        type: 'object', additionalProperties: false, required: ['job_type_id'],
        properties: {
          job_type_id: JOB_TYPE_ID,
          params: { type: 'object', description: "The subjob's params (checked against its job type's params_schema)." },
          config: { type: 'object', description: 'Overrides of the job type default_config.' },
          scheduled_at: { type: 'string', format: 'date-time', description: 'When it runs (ISO 8601); now when absent.' },
          metadata: { type: 'object' },
        },
      },
      run: async (args, ctx) => {
        if (!ctx.job_id || !ctx.task_id || !ctx.target_channel) throw new ToolError('TOOL_UNAVAILABLE', 'create_subjob needs a running job, and a session turn has none');
        const caller = { tokenId: `task:${ctx.task_id}`, orgId: ctx.org_id, scopes: { SERVICES: 'WRITE' as const }, task: { taskId: ctx.task_id, jobId: ctx.job_id } };
        const { job } = await this.create.create(caller, {
          body: {
            target_channel: ctx.target_channel as unknown as TargetChannelDto,
            job_type_id: args.job_type_id as string,
            parent_job_id: ctx.job_id,
            ...(args.params !== undefined ? { params: args.params as Record<string, unknown> } : {}),
            ...(args.config !== undefined ? { config: args.config as Record<string, unknown> } : {}),
            ...(args.scheduled_at !== undefined ? { scheduled_at: args.scheduled_at as string } : {}),
            ...(args.metadata !== undefined ? { metadata: args.metadata as Record<string, unknown> } : {}),
          },
        });
        return { job_id: job.id, job_status: job.status, scheduled_at: job.scheduled_at.toISOString(), parent_job_id: job.parent_job_id };
      },
    };
  }

  private jobsReport(): BuiltinTool {
    return {
      name: 'jobs_report',
      description: "A report on this organization's jobs of the last window_hours: counts by status and job type, recent failures, durations, and a Slack-ready text.",
      parameters: {
        type: 'object', additionalProperties: false,
        properties: { window_hours: { type: 'integer', minimum: 1, maximum: 720, description: 'Default 24.' }, job_type_id: JOB_TYPE_ID },
      },
      run: async (args, ctx) => {
        const outcome = await this.report.run(reportContext(args, ctx));
        if (outcome.status === 'failed') throw new ToolError(outcome.error.code, outcome.error.message);
        return outcome.status === 'completed' ? outcome.result : null;
      },
    };
  }
}

/** The jobs-report builtin's task context for a tool call: the running job (if any) is left out of its report. */
function reportContext(args: Record<string, unknown>, ctx: ToolContext) {
  return {
    org_id: ctx.org_id, job_id: ctx.job_id ?? '', task_id: ctx.task_id ?? '', kind: 'initial' as const, attempt: 1,
    job_type_id: ctx.job_type_id, params: args, config: {}, target_channel: ctx.target_channel ?? {}, metadata: null,
    previous_tasks: [], session_id: null, messages: [], signal: ctx.signal,
  };
}
