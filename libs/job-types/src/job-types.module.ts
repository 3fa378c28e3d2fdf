import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BuiltinRegistry } from './builtins/builtin-registry';
import { EchoAgent } from './builtins/echo.agent';
import { JobsReportAgent } from './builtins/jobs-report.agent';
import { JobTypeEntity } from './job-type.entity';
import { JobTypesService } from './job-types.service';
import { JsonSchemas } from './json-schemas';

@Module({
  imports: [TypeOrmModule.forFeature([JobTypeEntity])],
  providers: [JobTypesService, JsonSchemas, BuiltinRegistry, EchoAgent, JobsReportAgent],
  exports: [JobTypesService, JsonSchemas, BuiltinRegistry],
})
export class JobTypesModule {}
