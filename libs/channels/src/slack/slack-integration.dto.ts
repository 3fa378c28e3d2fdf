import { IsString, Matches, MaxLength } from 'class-validator';
import { ApiField } from '@app/common';

const SLACK_TOKEN_PATTERN = /^xox[a-z]-[A-Za-z0-9-]+$/;

export class PutSlackIntegrationDto {
  @ApiField({ type: 'string', maxLength: 255, pattern: SLACK_TOKEN_PATTERN.source, writeOnly: true, description: 'A Slack bot token (xoxb-...) with chat:write; checked with auth.test, stored encrypted, never returned' })
  @IsString() @MaxLength(255) @Matches(SLACK_TOKEN_PATTERN, { message: 'bot_token must be a Slack token (xoxb-...)' })
  bot_token: string;
}
