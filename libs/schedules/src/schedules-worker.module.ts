import { Module } from '@nestjs/common';
import { ScheduleLoop } from './schedule.loop';
import { SchedulesModule } from './schedules.module';

/** What a worker runs for schedules: the firing loop. */
@Module({ imports: [SchedulesModule], providers: [ScheduleLoop] })
export class SchedulesWorkerModule {}
