import { Inject, Injectable } from '@nestjs/common';
import { ownedOrThrow } from '@app/database';
import { OBSERVED_JOBS, ObservedJobs } from '../observed-jobs.port';

/** The spec's rule for every record, as JobsQueryService.getOwned: 404 unknown, 403 another org's. */
@Injectable()
export class JobOwnership {
  constructor(@Inject(OBSERVED_JOBS) private readonly jobs: ObservedJobs) {}

  async assertOwned(orgId: string, jobId: string): Promise<void> {
    ownedOrThrow(await this.jobs.ownerLookup(orgId, jobId), 'JOB_NOT_FOUND', `Job '${jobId}'`);
  }
}
