import { Module } from '@nestjs/common';
import { SchedulesModule } from './schedules.module';

@Module({ imports: [SchedulesModule], controllers: [] })
export class SchedulesHttpModule {}
