import { Injectable } from '@nestjs/common';
import { AgentOutcome, BuiltinAgent, TaskContext } from '@app/job-types';
import { formatReportText, JobsReportResult } from './jobs-report.format';
import { assembleJobsReport, parseJobsReportParams } from './jobs-report.query';
import { JobsReportRepository } from './jobs-report.repository';

/**
 * Reports on the org's own jobs created in the last `window_hours` (default 24, at most 720),
 * optionally narrowed to one `job_type_id`: counts by status and by type, recent failures,
 * duration percentiles, and a Slack-ready `text`. The report job itself is left out.
 */
@Injectable()
export class JobsReportAgent implements BuiltinAgent {
  readonly name = 'jobs-report';

  constructor(private readonly reports: JobsReportRepository) {}

  async run(ctx: TaskContext): Promise<AgentOutcome> {
    const parsed = parseJobsReportParams(ctx.params);
    if (!parsed.ok) return { status: 'failed', error: { code: 'INVALID_PARAMS', message: parsed.error } };
    ctx.signal.throwIfAborted();

    const hours = parsed.value.window_hours;
    const jobTypeId = parsed.value.job_type_id;
    const to = new Date();
    const from = new Date(to.getTime() - hours * 3_600_000);
    const rows = await this.reports.read({ orgId: ctx.org_id, from, to, excludeJobId: ctx.job_id, jobTypeId }, ctx.signal);

    const data = assembleJobsReport({ orgId: ctx.org_id, from, to, hours, jobTypeId }, rows);
    const result: JobsReportResult = { text: formatReportText(data), ...data };
    return { status: 'completed', result };
  }
}
