import { BullModule } from '@nestjs/bull';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { AGENT_TASKS_QUEUE } from './queue-names';
import { createRedis } from './redis-connection';
import { TaskQueue } from './task-queue';
import { JobAbortBus } from './job-abort.bus';

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        prefix: config.QUEUE_PREFIX,
        // Bull wants its blocking and subscriber clients without request retries limits.
        createClient: (type) =>
          createRedis(config.REDIS_URL, type === 'client' ? {} : { maxRetriesPerRequest: null, enableReadyCheck: false }),
        defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
      }),
    }),
    BullModule.registerQueue({ name: AGENT_TASKS_QUEUE }),
  ],
  providers: [TaskQueue, JobAbortBus],
  exports: [BullModule, TaskQueue, JobAbortBus],
})
export class QueueModule {}
