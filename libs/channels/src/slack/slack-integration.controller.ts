import { Body, Controller, Delete, Get, HttpCode, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentToken, Principal, RequireAccess } from '@app/auth';
import { ApiData, ApiMessage, ApiProblems, BODY_PROBLEMS, envelope } from '@app/common';
import { PutSlackIntegrationDto } from './slack-integration.dto';
import { SlackIntegrationService } from './slack-integration.service';
import { channelSchema } from '../openapi/channel.schemas';

/** The org's Slack bot token: set and remove with ADMIN, read (never the token itself) with READ. */
@ApiTags('Channels')
@Controller('services/integrations/slack')
export class SlackIntegrationController {
  constructor(private readonly slack: SlackIntegrationService) {}

  @Get()
  @RequireAccess('SERVICES', 'READ')
  @ApiOperation({ summary: "The org's Slack integration" })
  @ApiData({ description: 'What is in force', data: channelSchema('SlackIntegration'), meta: ['org_id'] })
  async get(@CurrentToken() caller: Principal) {
    return envelope(await this.slack.get(caller.orgId), { org_id: caller.orgId });
  }

  @Put()
  @RequireAccess('SERVICES', 'ADMIN')
  @ApiOperation({ summary: "Set the org's Slack bot token", description: "Checked with Slack's auth.test (it needs chat:write); stored encrypted" })
  @ApiData({ description: 'The integration', data: channelSchema('SlackIntegration'), meta: ['org_id'] })
  @ApiProblems(...BODY_PROBLEMS, 'SLACK_TOKEN_INVALID', 'SLACK_UNAVAILABLE')
  async put(@CurrentToken() caller: Principal, @Body() body: PutSlackIntegrationDto) {
    return envelope(await this.slack.put(caller.orgId, body.bot_token), { org_id: caller.orgId });
  }

  @Delete()
  @HttpCode(200)
  @RequireAccess('SERVICES', 'ADMIN')
  @ApiOperation({ summary: "Remove the org's Slack bot token", description: "Results then go out with the operator's SLACK_BOT_TOKEN, if set" })
  @ApiMessage('Removed; `data` is what is in force now', ['org_id'], channelSchema('SlackIntegration'))
  @ApiProblems('SLACK_INTEGRATION_NOT_FOUND')
  async remove(@CurrentToken() caller: Principal) {
    await this.slack.remove(caller.orgId);
    // What is in force now: SLACK_BOT_TOKEN when the operator set one, else nothing.
    return { data: await this.slack.get(caller.orgId), meta: { org_id: caller.orgId }, message: 'Slack bot token removed' };
  }
}
