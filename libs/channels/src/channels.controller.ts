import { Controller, Get, Param, Query } from '@nestjs/common';
import { CurrentToken, Principal, RequireAccess } from '@app/auth';
import { envelope } from '@app/common';
import { ChannelsService } from './channels.service';
import { parseListChannelsQuery } from './list-channels.query';

/** The org's channels (upserted from every job's target_channel). */
@Controller('services/channels')
export class ChannelsController {
  constructor(private readonly channels: ChannelsService) {}

  @Get()
  @RequireAccess('SERVICES', 'READ')
  list(@CurrentToken() caller: Principal, @Query() query: Record<string, unknown>) {
    return this.channels.list(caller.orgId, parseListChannelsQuery(query));
  }

  @Get(':id')
  @RequireAccess('SERVICES', 'READ')
  async get(@CurrentToken() caller: Principal, @Param('id') id: string) {
    return envelope(await this.channels.get(caller.orgId, id), { org_id: caller.orgId, id });
  }
}
