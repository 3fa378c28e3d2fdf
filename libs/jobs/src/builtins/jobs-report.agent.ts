import { Injectable } from '@nestjs/common';
import { AgentOutcome, BuiltinAgent, failure, NO_USAGE, TaskContext, TurnContext, TurnOutcome } from '@app/job-types';
import { formatReportText, JobsReportResult } from './jobs-report.format';
import { assembleJobsReport, parseJobsReportParams } from './jobs-report.query';
import { JobsReportRepository } from './jobs-report.repository';

/**
 * Reports on the org's own jobs created in the last `window_hours` (default 24, at most 720),
 * optionally narrowed to one `job_type_id`: counts by status and by type, recent failures,
 * duration percentiles, and a Slack-ready `text`. A job's params, or a turn's context, hold
 * those two settings; the report job itself is left out.
 */
@Injectable()
export class JobsReportAgent implements BuiltinAgent {
  readonly name = 'jobs-report';

  constructor(private readonly reports: JobsReportRepository) {}

  async run(ctx: TaskContext): Promise<AgentOutcome> {
    const report = await this.report(ctx.org_id, ctx.params, ctx.job_id, ctx.signal);
    if (typeof report === 'string') return { status: 'failed', error: { code: 'INVALID_PARAMS', message: report } };
    return { status: 'completed', result: report };
  }

  /** A turn answers the report's text. */
  async turn(ctx: TurnContext): Promise<TurnOutcome> {
    // A turn has no job of its own to leave out, and no job has the empty id.
    const report = await this.report(ctx.org_id, ctx.context, '', ctx.signal);
    if (typeof report === 'string') return failure(ctx, 'INVALID_PARAMS', report);
    return { status: 'complete', response: report.text, tool_calls: [], iterations: 1, usage: NO_USAGE, error: null };
  }

  /** The report, or why its settings cannot be used. */
  private async report(orgId: string, params: unknown, excludeJobId: string, signal: AbortSignal): Promise<JobsReportResult | string> {
    const parsed = parseJobsReportParams(params);
    if (!parsed.ok) return parsed.error;
    signal.throwIfAborted();

    const hours = parsed.value.window_hours;
    const jobTypeId = parsed.value.job_type_id;
    const to = new Date();
    const from = new Date(to.getTime() - hours * 3_600_000);
    const rows = await this.reports.read({ orgId, from, to, excludeJobId, jobTypeId }, signal);

    const data = assembleJobsReport({ orgId, from, to, hours, jobTypeId }, rows);
    return { text: formatReportText(data), ...data };
  }
}
