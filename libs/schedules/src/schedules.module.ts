import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JobTypesModule } from '@app/job-types';
import { JobsModule } from '@app/jobs';
import { SCHEDULES_ENTITIES } from './entities';
import { SchedulesJobTypeWiring } from './job-types.wiring';
import { ScheduleClock } from './schedule-clock';
import { ScheduleFiresRepository } from './schedule-fires.repository';
import { ScheduleFiringService } from './schedule-firing.service';
import { ScheduleJobValidator } from './schedule-job.validator';
import { ScheduledJobCreator } from './scheduled-job.creator';
import { SchedulesRepository } from './schedules.repository';
import { SchedulesService } from './schedules.service';

const services = [
  SchedulesService, SchedulesRepository, ScheduleJobValidator, ScheduledJobCreator, ScheduleFiresRepository, ScheduleFiringService, ScheduleClock,
];

/** Recurring schedules: their rules (API side) and firing them (worker side). */
@Module({
  imports: [TypeOrmModule.forFeature(SCHEDULES_ENTITIES), JobTypesModule, JobsModule],
  providers: [...services, SchedulesJobTypeWiring],
  exports: services,
})
export class SchedulesModule {}
