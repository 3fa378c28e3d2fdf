import { DynamicModule, Module } from '@nestjs/common';
import { AppConfigModule } from '@app/common';
import { LoggingModule } from '@app/common/logging';
import { MetricsModule } from '@app/common/metrics';
import { OutboundModule } from '@app/common/outbound.module';
import { DatabaseModule } from '@app/database';
import { QueueModule } from '@app/queue';
import { WorkerMetricsServer } from './metrics-server';
import { WorkerFeaturesModule } from './worker-features.module';

@Module({})
export class WorkerModule {
  static forRoot(env: NodeJS.ProcessEnv = {}): DynamicModule {
    return {
      module: WorkerModule,
      imports: [AppConfigModule.forRoot(env), LoggingModule, MetricsModule, DatabaseModule, QueueModule, OutboundModule, WorkerFeaturesModule],
      providers: [WorkerMetricsServer],
    };
  }
}
