import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BuiltinRegistry } from './builtins/builtin-registry';
import { EchoAgent } from './builtins/echo.agent';
import { JobTypeEntity } from './job-type.entity';
import { JobTypeUsage } from './job-type-usage';
import { JobTypesRepository } from './job-types.repository';
import { JobTypesService } from './job-types.service';
import { JsonSchemas } from './json-schemas';
import { RecentJobTypes } from './recent-job-types';
import { JobTypeSecrets } from './secrets/job-type-secrets';

@Module({
  imports: [TypeOrmModule.forFeature([JobTypeEntity])],
  providers: [JobTypesService, JobTypesRepository, JsonSchemas, BuiltinRegistry, EchoAgent, RecentJobTypes, JobTypeSecrets, JobTypeUsage],
  exports: [JobTypesService, JsonSchemas, BuiltinRegistry, JobTypeSecrets, JobTypeUsage],
})
export class JobTypesModule {}
