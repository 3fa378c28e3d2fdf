import { IsString, Matches, MaxLength } from 'class-validator';

export class PutSlackIntegrationDto {
  @IsString() @MaxLength(255) @Matches(/^xox[a-z]-[A-Za-z0-9-]+$/, { message: 'bot_token must be a Slack token (xoxb-...)' })
  bot_token: string;
}
