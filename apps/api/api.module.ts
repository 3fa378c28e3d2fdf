import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuthHttpModule, RateLimitModule } from '@app/auth';
import { AppConfigModule } from '@app/common';
import { LoggingModule } from '@app/common/logging';
import { MetricsModule } from '@app/common/metrics';
import { OutboundModule } from '@app/common/outbound.module';
import { DatabaseModule } from '@app/database';
import { JobsHttpModule } from '@app/jobs';
import { JobTypesHttpModule } from '@app/job-types';
import { QueueModule } from '@app/queue';
import { ChannelsHttpModule } from '@app/channels';
import { ObserversHttpModule } from '@app/observers';
import { SchedulesHttpModule } from '@app/schedules';
import { SessionsHttpModule } from '@app/sessions';
import { WorkerFeaturesModule } from '../worker/worker-features.module';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';

export interface ApiModuleOptions {
  env?: NodeJS.ProcessEnv;
  /** Run the worker in the same process (npm start on one machine). */
  withWorker?: boolean;
}

@Module({})
export class ApiModule {
  static forRoot(options: ApiModuleOptions = {}): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        AppConfigModule.forRoot(options.env),
        LoggingModule,
        MetricsModule,
        DatabaseModule,
        QueueModule,
        OutboundModule,
        TerminusModule,
        RateLimitModule,
        AuthHttpModule,
        JobTypesHttpModule,
        JobsHttpModule,
        ChannelsHttpModule,
        ObserversHttpModule,
        SchedulesHttpModule,
        SessionsHttpModule,
        ...(options.withWorker ? [WorkerFeaturesModule] : []),
      ],
      controllers: [HealthController, MetricsController],
    };
  }
}
