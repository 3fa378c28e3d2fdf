import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobTypeUsage } from '@app/job-types';
import { SchedulesRepository } from './schedules.repository';

const NAMED = 5;

/** A job type that an enabled schedule fires stays (409 JOB_TYPE_IN_USE): the schedule would fail at every fire. */
@Injectable()
export class SchedulesJobTypeWiring implements OnModuleInit {
  constructor(private readonly usage: JobTypeUsage, private readonly repo: SchedulesRepository) {}

  onModuleInit(): void {
    this.usage.register(async (orgId, jobTypeId) => {
      const ids = await this.repo.enabledUsingJobType(orgId, jobTypeId, NAMED + 1);
      if (!ids.length) return null;
      const named = ids.slice(0, NAMED).join(', ') + (ids.length > NAMED ? ', ...' : '');
      return `enabled schedules create its jobs (${named}); disable or delete them first`;
    });
  }
}
