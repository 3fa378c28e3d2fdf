import { Module } from '@nestjs/common';
import { AuthCoreModule } from '@app/auth';
import { SignedCursors } from '@app/common';
import { MetricsModule } from '@app/common/metrics';
import { ChannelsModule } from '@app/channels';
import { JobTypesModule } from '@app/job-types';
import { JobsReportAgent } from './builtins/jobs-report.agent';
import { InFlightTasks } from './execution/in-flight-tasks';
import { ReconcilerService } from './execution/reconciler.service';
import { TaskOutcomeService } from './execution/task-outcome.service';
import { TaskRunnerService } from './execution/task-runner.service';
import { WorkerIdentity } from './execution/worker-identity';
import { JobCancelService } from './job-cancel.service';
import { JobRecordSqlModule } from './job-record.sql';
import { JobTransitionsRepository } from './job-transitions.repository';
import { JobsCreateService } from './jobs-create.service';
import { JobsQueryService } from './jobs-query.service';
import { JobsJobTypeWiring } from './job-types.wiring';
import { JobTools } from './builtins/job-tools';
import { TaskRecoveryRepository } from './task-recovery.repository';
import { TaskTransitionsRepository } from './task-transitions.repository';

const services = [
  JobsCreateService, JobsQueryService, JobCancelService, JobTransitionsRepository, TaskTransitionsRepository, TaskOutcomeService,
  InFlightTasks, TaskRunnerService, TaskRecoveryRepository, ReconcilerService, WorkerIdentity,
];

/** The jobs domain: creation, queries, cancel, the state machine and task execution. */
@Module({
  imports: [AuthCoreModule, JobTypesModule, ChannelsModule, JobRecordSqlModule, MetricsModule],
  providers: [...services, SignedCursors, JobsReportAgent, JobTools, JobsJobTypeWiring],
  exports: [...services, AuthCoreModule],
})
export class JobsModule {}
