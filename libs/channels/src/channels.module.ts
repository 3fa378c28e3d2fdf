import { Module } from '@nestjs/common';
import { ChannelsService } from './channels.service';

/** Channels and result delivery (Slack, webhook). */
@Module({
  providers: [ChannelsService],
  exports: [ChannelsService],
})
export class ChannelsModule {}
