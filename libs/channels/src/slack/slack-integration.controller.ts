import { Body, Controller, Delete, Get, HttpCode, Put } from '@nestjs/common';
import { CurrentToken, Principal, RequireAccess } from '@app/auth';
import { envelope } from '@app/common';
import { PutSlackIntegrationDto } from './slack-integration.dto';
import { SlackIntegrationService } from './slack-integration.service';

/** The org's Slack bot token: set and remove with ADMIN, read (never the token itself) with READ. */
@Controller('services/integrations/slack')
export class SlackIntegrationController {
  constructor(private readonly slack: SlackIntegrationService) {}

  @Get()
  @RequireAccess('SERVICES', 'READ')
  async get(@CurrentToken() caller: Principal) {
    return envelope(await this.slack.get(caller.orgId), { org_id: caller.orgId });
  }

  @Put()
  @RequireAccess('SERVICES', 'ADMIN')
  async put(@CurrentToken() caller: Principal, @Body() body: PutSlackIntegrationDto) {
    return envelope(await this.slack.put(caller.orgId, body.bot_token), { org_id: caller.orgId });
  }

  @Delete()
  @HttpCode(200)
  @RequireAccess('SERVICES', 'ADMIN')
  async remove(@CurrentToken() caller: Principal) {
    await this.slack.remove(caller.orgId);
    // What is in force now: SLACK_BOT_TOKEN when the operator set one, else nothing.
    return { data: await this.slack.get(caller.orgId), meta: { org_id: caller.orgId }, message: 'Slack bot token removed' };
  }
}
