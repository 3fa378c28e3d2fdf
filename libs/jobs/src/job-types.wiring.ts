import { Injectable, OnModuleInit } from '@nestjs/common';
import { BuiltinRegistry, JobTypeUsage } from '@app/job-types';
import { JobsReportAgent } from './builtins/jobs-report.agent';
import { JobsReadRepository } from './jobs-read.repository';

/**
 * What the jobs library lends the job-types library, which it depends on: the jobs-report
 * builtin (it reads the jobs table) and the rule that a job type with unfinished jobs stays.
 */
@Injectable()
export class JobsJobTypeWiring implements OnModuleInit {
  constructor(
    private readonly reads: JobsReadRepository,
    private readonly usage: JobTypeUsage,
    private readonly builtins: BuiltinRegistry,
    private readonly jobsReport: JobsReportAgent,
  ) {}

  onModuleInit(): void {
    this.builtins.register(this.jobsReport);
    this.usage.register(async (orgId, jobTypeId) =>
      (await this.reads.hasActiveOfType(orgId, jobTypeId)) ? 'it has jobs that are not finished yet' : null);
  }
}
