import { Global, Module } from '@nestjs/common';
import { JOB_RECORD_SQL } from '@app/channels';
import { OBSERVED_JOBS } from '@app/observers';
import { jobRecordSql } from './job-record.sql';
import { ObservedJobsRepository } from './observed-jobs.repository';

/**
 * The ports through which libraries that libs/jobs depends on (so they cannot import it) reach
 * its tables: libs/channels' outbox composes JOB_RECORD_SQL, libs/observers reads jobs and
 * drains job_events through OBSERVED_JOBS (docs/decisions.md "Table ownership"). Global, so
 * their modules inject them without importing this library.
 */
@Global()
@Module({
  providers: [
    { provide: JOB_RECORD_SQL, useValue: jobRecordSql },
    ObservedJobsRepository,
    { provide: OBSERVED_JOBS, useExisting: ObservedJobsRepository },
  ],
  exports: [JOB_RECORD_SQL, OBSERVED_JOBS],
})
export class JobsPortsModule {}
