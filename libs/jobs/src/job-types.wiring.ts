import { Injectable, OnModuleInit } from '@nestjs/common';
import { BuiltinRegistry, JobTypeUsage, ToolRegistry } from '@app/job-types';
import { JobTools } from './builtins/job-tools';
import { JobsReportAgent } from './builtins/jobs-report.agent';
import { JobsReadRepository } from './jobs-read.repository';

/**
 * What the jobs library lends the job-types library, which it depends on: the jobs-report
 * builtin (it reads the jobs table), the openai executors' job tools (list_jobs, get_job,
 * create_subjob, jobs_report), and the rule that a job type with unfinished jobs stays.
 */
@Injectable()
export class JobsJobTypeWiring implements OnModuleInit {
  constructor(
    private readonly reads: JobsReadRepository,
    private readonly usage: JobTypeUsage,
    private readonly builtins: BuiltinRegistry,
    private readonly jobsReport: JobsReportAgent,
    private readonly tools: ToolRegistry,
    private readonly jobTools: JobTools,
  ) {}

  onModuleInit(): void {
    this.builtins.register(this.jobsReport);
    this.jobTools.all().forEach((tool) => this.tools.register(tool));
    this.usage.register(async (orgId, jobTypeId) =>
      (await this.reads.hasActiveOfType(orgId, jobTypeId)) ? 'it has jobs that are not finished yet' : null);
  }
}
