import { Module } from '@nestjs/common';
import { AuthModule } from '@app/auth';
import { JobTypesController } from './job-types.controller';
import { JobTypesModule } from './job-types.module';

@Module({ imports: [AuthModule, JobTypesModule], controllers: [JobTypesController] })
export class JobTypesHttpModule {}
