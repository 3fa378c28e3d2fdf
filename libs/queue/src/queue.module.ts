import { BullModule } from '@nestjs/bull';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { MetricsModule } from '@app/common/metrics';
import { BULL_QUEUES } from './queue-names';
import { ChannelPostQueue, WebhookDeliveryQueue } from './delivery-queues';
import { bullPrefix, createBullClient, RECONNECT_MAX_MS } from './redis-connection';
import { RedisEpoch } from './redis-epoch';
import { TaskQueue } from './task-queue';
import { BullConnections } from './bull-connections';
import { Broadcasts } from './broadcasts';
import { JobAbortBus } from './job-abort.bus';
import { EventsPing } from './events-ping';
import { QueueDepthMetrics } from './queue-depth.metrics';

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        prefix: bullPrefix(config),
        // Every connection from the one factory, for the configured topology (one Redis, Sentinel, Cluster).
        createClient: (type: 'client' | 'subscriber' | 'bclient') => createBullClient(config, type),
        defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
        settings: {
          // A processing slot whose Redis call failed (an outage) tries again this soon, not after Bull's 5 s.
          retryProcessDelay: RECONNECT_MAX_MS,
          // A job a dead worker took but had not claimed in Postgres yet (the reconciler cannot tell it from
          // one being run) goes back to the queue within about WORKER_DEAD_AFTER_MS, not Bull's 30-60 s. A
          // live worker whose lock lapsed only gets a copy whose claim Postgres refuses.
          lockDuration: config.WORKER_DEAD_AFTER_MS,
          stalledInterval: config.WORKER_HEARTBEAT_MS,
        },
      }),
    }),
    BullModule.registerQueue(...BULL_QUEUES.map((name) => ({ name }))),
    MetricsModule,
  ],
  providers: [QueueDepthMetrics, BullConnections, RedisEpoch, TaskQueue, Broadcasts, JobAbortBus, EventsPing, ChannelPostQueue, WebhookDeliveryQueue],
  exports: [BullModule, RedisEpoch, TaskQueue, Broadcasts, JobAbortBus, EventsPing, ChannelPostQueue, WebhookDeliveryQueue],
})
export class QueueModule {}
