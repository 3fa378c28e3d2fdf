import { DynamicModule, Module } from '@nestjs/common';
import { AppConfigModule } from '@app/common';
import { OutboundModule } from '@app/common/outbound.module';
import { DatabaseModule } from '@app/database';
import { QueueModule } from '@app/queue';
import { WorkerFeaturesModule } from './worker-features.module';

@Module({})
export class WorkerModule {
  static forRoot(env: NodeJS.ProcessEnv = {}): DynamicModule {
    return {
      module: WorkerModule,
      imports: [AppConfigModule.forRoot(env), DatabaseModule, QueueModule, OutboundModule, WorkerFeaturesModule],
    };
  }
}
