import { Module } from '@nestjs/common';
import { AuthModule } from '@app/auth';
import { JobTypesModule } from '@app/job-types';
import { JobsBatchController } from './jobs-batch.controller';
import { JobsController } from './jobs.controller';
import { JobsModule } from './jobs.module';
import { LiveStreamsModule } from './streams/live-streams.module';
import { TaskResultController } from './task-result.controller';

// AuthModule registers the JWT strategy behind the guards of these routes.
@Module({ imports: [AuthModule, JobsModule, JobTypesModule, LiveStreamsModule], controllers: [JobsController, JobsBatchController, TaskResultController] })
export class JobsHttpModule {}
