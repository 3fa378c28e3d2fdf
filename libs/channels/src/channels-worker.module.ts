import { Module } from '@nestjs/common';
import { ChannelDeliveryModule } from './delivery/channel-delivery.module';
import { ChannelPostProcessor } from './delivery/channel-post.processor';
import { ChannelPostsReconcilerLoop } from './delivery/channel-posts-reconciler.loop';

/** Worker side of the channels domain: the channel-posts processor and its reconciler loop. */
@Module({ imports: [ChannelDeliveryModule], providers: [ChannelPostProcessor, ChannelPostsReconcilerLoop] })
export class ChannelsWorkerModule {}
