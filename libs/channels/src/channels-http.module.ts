import { Module } from '@nestjs/common';
import { ChannelsModule } from './channels.module';

/** HTTP routes of the channels domain (channels, Slack integration). */
@Module({ imports: [ChannelsModule], controllers: [] })
export class ChannelsHttpModule {}
