import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MetricsModule } from '@app/common/metrics';
import { AgentExecutor } from './agents/agent-executor';
import { HttpAgentClient } from './agents/http-agent.client';
import { HttpTurnRunner } from './agents/http-turn.runner';
import { BuiltinRegistry } from './builtins/builtin-registry';
import { EchoAgent } from './builtins/echo.agent';
import { JobTypeEntity } from './job-type.entity';
import { JobTypeUsage } from './job-type-usage';
import { JobTypesRepository } from './job-types.repository';
import { JobTypesService } from './job-types.service';
import { JsonSchemas } from './json-schemas';
import { OpenAiRunner } from './openai/openai-runner';
import { ToolRegistry } from './openai/tool-registry';
import { RecentJobTypes } from './recent-job-types';
import { JobTypeSecrets } from './secrets/job-type-secrets';

@Module({
  imports: [TypeOrmModule.forFeature([JobTypeEntity]), MetricsModule],
  providers: [
    JobTypesService, JobTypesRepository, JsonSchemas, BuiltinRegistry, EchoAgent, RecentJobTypes, JobTypeSecrets, JobTypeUsage,
    HttpAgentClient, HttpTurnRunner, AgentExecutor, OpenAiRunner, ToolRegistry,
  ],
  exports: [JobTypesService, JsonSchemas, BuiltinRegistry, JobTypeSecrets, JobTypeUsage, AgentExecutor, OpenAiRunner, ToolRegistry],
})
export class JobTypesModule {}
