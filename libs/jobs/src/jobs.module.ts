import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthCoreModule } from '@app/auth';
import { SignedCursors } from '@app/common';
import { MetricsModule } from '@app/common/metrics';
import { ChannelsModule } from '@app/channels';
import { JobTypesModule } from '@app/job-types';
import { SessionsModule } from '@app/sessions';
import { JobsReportAgent } from './builtins/jobs-report.agent';
import { JobsReportRepository } from './builtins/jobs-report.repository';
import { JOBS_ENTITIES } from './entities';
import { InFlightTasks } from './execution/in-flight-tasks';
import { ReconcilerService } from './execution/reconciler.service';
import { TaskOutcomeService } from './execution/task-outcome.service';
import { TaskRunnerService } from './execution/task-runner.service';
import { WorkerIdentity } from './execution/worker-identity';
import { WorkersRepository } from './execution/workers.repository';
import { JobCancelService } from './job-cancel.service';
import { JobInsertRepository } from './job-insert.repository';
import { JobListRepository } from './job-list.repository';
import { JobTransitionsRepository } from './job-transitions.repository';
import { JobsBatchService } from './jobs-batch.service';
import { JobRetentionRepository } from './retention/job-retention.repository';
import { JobRetentionService } from './retention/job-retention.service';
import { JobsCreateService } from './jobs-create.service';
import { JobsPortsModule } from './jobs-ports.module';
import { JobsQueryService } from './jobs-query.service';
import { JobsReadRepository } from './jobs-read.repository';
import { JobsJobTypeWiring } from './job-types.wiring';
import { JobTools } from './builtins/job-tools';
import { TaskRecoveryRepository } from './task-recovery.repository';
import { TaskResultService } from './task-result.service';
import { TaskTransitionsRepository } from './task-transitions.repository';

const repositories = [
  JobInsertRepository, JobsReadRepository, JobListRepository, JobTransitionsRepository, TaskTransitionsRepository,
  TaskRecoveryRepository, WorkersRepository, JobRetentionRepository,
];

const services = [
  JobsCreateService, JobsBatchService, JobsQueryService, JobCancelService, TaskOutcomeService, TaskResultService,
  InFlightTasks, TaskRunnerService, ReconcilerService, WorkerIdentity, JobRetentionService,
];

/** The jobs domain: creation, queries, cancel, the state machine and task execution. */
@Module({
  imports: [TypeOrmModule.forFeature(JOBS_ENTITIES), AuthCoreModule, JobTypesModule, ChannelsModule, SessionsModule, JobsPortsModule, MetricsModule],
  providers: [...repositories, ...services, SignedCursors, JobsReportAgent, JobsReportRepository, JobTools, JobsJobTypeWiring],
  // Services only, and the workers' table for the heartbeat that worker apps provide: other libraries go through the services.
  exports: [...services, WorkersRepository, AuthCoreModule],
})
export class JobsModule {}
