import { Module } from '@nestjs/common';
import { JobTypesController } from './job-types.controller';
import { JobTypesModule } from './job-types.module';

@Module({ imports: [JobTypesModule], controllers: [JobTypesController] })
export class JobTypesHttpModule {}
