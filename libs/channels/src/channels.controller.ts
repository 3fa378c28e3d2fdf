import { Controller, Get, Param, Query } from '@nestjs/common';
import { CurrentToken, Principal, RequireAccess } from '@app/auth';
import { envelope, PageQueryDto } from '@app/common';
import { ChannelsService } from './channels.service';

/** The org's channels (upserted from every job's target_channel). */
@Controller('services/channels')
export class ChannelsController {
  constructor(private readonly channels: ChannelsService) {}

  @Get()
  @RequireAccess('SERVICES', 'READ')
  list(@CurrentToken() caller: Principal, @Query() page: PageQueryDto) {
    return this.channels.list(caller.orgId, page);
  }

  @Get(':id')
  @RequireAccess('SERVICES', 'READ')
  async get(@CurrentToken() caller: Principal, @Param('id') id: string) {
    return envelope(await this.channels.get(caller.orgId, id), { org_id: caller.orgId, id });
  }
}
