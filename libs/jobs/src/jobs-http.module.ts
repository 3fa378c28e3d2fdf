import { Module } from '@nestjs/common';
import { JobsController } from './jobs.controller';
import { JobsModule } from './jobs.module';
import { TaskResultController } from './task-result.controller';
import { JobTypesModule } from '@app/job-types';

@Module({ imports: [JobsModule, JobTypesModule], controllers: [JobsController, TaskResultController] })
export class JobsHttpModule {}
