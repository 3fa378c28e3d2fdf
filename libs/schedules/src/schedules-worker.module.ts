import { Module } from '@nestjs/common';
import { SchedulesModule } from './schedules.module';

@Module({ imports: [SchedulesModule], providers: [] })
export class SchedulesWorkerModule {}
