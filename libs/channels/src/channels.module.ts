import { Module } from '@nestjs/common';
import { ChannelsService } from './channels.service';
import { SlackApi } from './slack/slack-api';
import { SlackIntegrationService } from './slack/slack-integration.service';

/** Channels (validated and upserted from every job's target_channel) and the org's Slack integration. */
@Module({
  providers: [ChannelsService, SlackApi, SlackIntegrationService],
  exports: [ChannelsService, SlackApi, SlackIntegrationService],
})
export class ChannelsModule {}
