import { BullModule } from '@nestjs/bull';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { AGENT_TASKS_QUEUE, CHANNEL_POSTS_QUEUE, WEBHOOK_DELIVERIES_QUEUE } from './queue-names';
import { ChannelPostQueue, WebhookDeliveryQueue } from './delivery-queues';
import { redisConnectionOptions } from './redis-connection';
import { TaskQueue } from './task-queue';
import { QueueCommandConnections } from './queue-command-connections';
import { Broadcasts } from './broadcasts';
import { JobAbortBus } from './job-abort.bus';

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        prefix: config.QUEUE_PREFIX,
        redis: redisConnectionOptions(config),
        defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
      }),
    }),
    BullModule.registerQueue({ name: AGENT_TASKS_QUEUE }, { name: CHANNEL_POSTS_QUEUE }, { name: WEBHOOK_DELIVERIES_QUEUE }),
  ],
  providers: [QueueCommandConnections, TaskQueue, Broadcasts, JobAbortBus, ChannelPostQueue, WebhookDeliveryQueue],
  exports: [BullModule, TaskQueue, Broadcasts, JobAbortBus, ChannelPostQueue, WebhookDeliveryQueue],
})
export class QueueModule {}
