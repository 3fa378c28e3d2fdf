import { ChannelPostEntity } from './channel-post.entity';
import { ChannelEntity } from './channel.entity';
import { SlackIntegrationEntity } from './slack-integration.entity';

export { ChannelEntity, ChannelPostEntity, SlackIntegrationEntity };

/** The tables this library owns (docs/decisions.md "Table ownership"). */
export const CHANNELS_ENTITIES = [ChannelEntity, SlackIntegrationEntity, ChannelPostEntity];
