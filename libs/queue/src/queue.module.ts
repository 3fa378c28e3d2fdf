import { BullModule } from '@nestjs/bull';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { AGENT_TASKS_QUEUE, CHANNEL_POSTS_QUEUE, WEBHOOK_DELIVERIES_QUEUE } from './queue-names';
import { ChannelPostQueue, WebhookDeliveryQueue } from './delivery-queues';
import { redisOptionsFromUrl } from './redis-connection';
import { TaskQueue } from './task-queue';
import { QueueClientPipelining } from './queue-client-pipelining';
import { JobAbortBus } from './job-abort.bus';
import { Broadcasts } from './broadcasts';
import { EventsPing } from './events-ping';

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        prefix: config.QUEUE_PREFIX,
        redis: redisOptionsFromUrl(config.REDIS_URL),
        defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
      }),
    }),
    BullModule.registerQueue({ name: AGENT_TASKS_QUEUE }, { name: CHANNEL_POSTS_QUEUE }, { name: WEBHOOK_DELIVERIES_QUEUE }),
  ],
  providers: [QueueClientPipelining, TaskQueue, Broadcasts, JobAbortBus, EventsPing, ChannelPostQueue, WebhookDeliveryQueue],
  exports: [BullModule, TaskQueue, Broadcasts, JobAbortBus, EventsPing, ChannelPostQueue, WebhookDeliveryQueue],
})
export class QueueModule {}
