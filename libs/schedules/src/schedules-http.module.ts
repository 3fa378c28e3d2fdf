import { Module } from '@nestjs/common';
import { AuthModule } from '@app/auth';
import { SchedulesController } from './schedules.controller';
import { SchedulesModule } from './schedules.module';

@Module({ imports: [AuthModule, SchedulesModule], controllers: [SchedulesController] })
export class SchedulesHttpModule {}
