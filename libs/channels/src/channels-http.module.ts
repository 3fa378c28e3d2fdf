import { Module } from '@nestjs/common';
import { AuthModule } from '@app/auth';
import { ChannelsController } from './channels.controller';
import { ChannelsModule } from './channels.module';
import { SlackIntegrationController } from './slack/slack-integration.controller';

/** HTTP routes of the channels domain (channels, Slack integration). */
@Module({ imports: [AuthModule, ChannelsModule], controllers: [ChannelsController, SlackIntegrationController] })
export class ChannelsHttpModule {}
