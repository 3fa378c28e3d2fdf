import { arrayOf, enumOf, JSON_OBJECT, nullable, object, refsTo, SchemaMap, TEXT, TIMESTAMP } from '@app/common';
import { HISTORY_SCOPES } from '../slack/slack-scopes';

/** The org's channels and its Slack integration, as the API shows them. */
export const CHANNEL_SCHEMAS = {
  Channel: object({
    id: TEXT,
    org_id: TEXT,
    platform: TEXT,
    type: { type: ['string', 'null'] },
    code: TEXT,
    data: nullable(JSON_OBJECT),
    created_at: TIMESTAMP,
    updated_at: TIMESTAMP,
  }, { description: "A job's target_channel, upserted by (org, platform, code)" }),
  SlackIntegration: object({
    configured: { type: 'boolean', description: 'Whether results can be posted to Slack' },
    source: nullable(enumOf(['org', 'env'], "org: this org's own bot token; env: the operator's SLACK_BOT_TOKEN")),
    team_id: { type: ['string', 'null'] },
    team_name: { type: ['string', 'null'] },
    dedupe: nullable(enumOf(['exactly_once', 'at_least_once'], `exactly_once needs ${HISTORY_SCOPES.join(' and ')}; null: the token's scopes are unknown`)),
    missing_scopes: arrayOf(TEXT),
  }, { description: 'The bot token itself is never shown' }),
} satisfies SchemaMap;

export const channelSchema = refsTo(CHANNEL_SCHEMAS);
