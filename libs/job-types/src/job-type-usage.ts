import { Injectable } from '@nestjs/common';

/** What of an org still needs a job type, as a phrase for the 409 ("it has unfinished jobs"), or null. */
export type JobTypeUsageCheck = (orgId: string, jobTypeId: string) => Promise<string | null>;

/**
 * What keeps a job type from being deleted. The libraries that own the using tables (jobs,
 * schedules) depend on this one, not the other way round, so they register their checks here
 * when their module starts.
 */
@Injectable()
export class JobTypeUsage {
  private readonly checks: JobTypeUsageCheck[] = [];

  register(check: JobTypeUsageCheck): void {
    this.checks.push(check);
  }

  /** Every registered check's finding; empty when nothing uses the job type. */
  async uses(orgId: string, jobTypeId: string): Promise<string[]> {
    const found = await Promise.all(this.checks.map((check) => check(orgId, jobTypeId)));
    return found.filter((f): f is string => f !== null);
  }
}
