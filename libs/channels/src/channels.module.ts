import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChannelsRepository } from './channels.repository';
import { ChannelsService } from './channels.service';
import { CHANNELS_ENTITIES } from './entities';
import { SlackApi } from './slack/slack-api';
import { SlackIntegrationService } from './slack/slack-integration.service';
import { SlackIntegrationsRepository } from './slack/slack-integrations.repository';

/** Channels (validated and upserted from every job's target_channel) and the org's Slack integration. */
@Module({
  imports: [TypeOrmModule.forFeature(CHANNELS_ENTITIES)],
  providers: [ChannelsService, ChannelsRepository, SlackApi, SlackIntegrationService, SlackIntegrationsRepository],
  exports: [ChannelsService, SlackApi, SlackIntegrationService],
})
export class ChannelsModule {}
