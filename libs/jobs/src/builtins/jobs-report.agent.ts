import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AgentOutcome, BuiltinAgent, TaskContext } from '@app/job-types';
import { formatReportText, JobsReportResult } from './jobs-report.format';
import { assembleJobsReport, buildJobsReportQueries, parseJobsReportParams } from './jobs-report.query';

/**
 * Reports on the org's own jobs created in the last `window_hours` (default 24, at most 720),
 * optionally narrowed to one `job_type_id`: counts by status and by type, recent failures,
 * duration percentiles, and a Slack-ready `text`. The report job itself is left out.
 */
@Injectable()
export class JobsReportAgent implements BuiltinAgent {
  readonly name = 'jobs-report';

  constructor(private readonly dataSource: DataSource) {}

  async run(ctx: TaskContext): Promise<AgentOutcome> {
    const parsed = parseJobsReportParams(ctx.params);
    if (!parsed.ok) return { status: 'failed', error: { code: 'INVALID_PARAMS', message: parsed.error } };
    ctx.signal.throwIfAborted();

    const hours = parsed.value.window_hours;
    const jobTypeId = parsed.value.job_type_id;
    const to = new Date();
    const from = new Date(to.getTime() - hours * 3_600_000);
    const q = buildJobsReportQueries({ orgId: ctx.org_id, from, to, excludeJobId: ctx.job_id, jobTypeId });

    // One snapshot for all three queries, so counts, types and failures agree with each other.
    const rows = await this.dataSource.transaction('REPEATABLE READ', async (em) => {
      const statuses = await em.query(q.statuses.sql, q.statuses.params);
      ctx.signal.throwIfAborted();
      const types = await em.query(q.types.sql, q.types.params);
      ctx.signal.throwIfAborted();
      const failures = await em.query(q.failures.sql, q.failures.params);
      return { statuses, types, failures };
    });

    const data = assembleJobsReport({ orgId: ctx.org_id, from, to, hours, jobTypeId }, rows);
    const result: JobsReportResult = { text: formatReportText(data), ...data };
    return { status: 'completed', result };
  }
}
