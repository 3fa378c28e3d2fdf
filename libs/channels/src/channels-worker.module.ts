import { Module } from '@nestjs/common';
import { ChannelsModule } from './channels.module';

/** Worker side of the channels domain: the channel-posts processor and its reconciler. */
@Module({ imports: [ChannelsModule], providers: [] })
export class ChannelsWorkerModule {}
