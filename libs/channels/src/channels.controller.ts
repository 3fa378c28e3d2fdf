import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentToken, Principal, RequireAccess } from '@app/auth';
import { ApiData, ApiProblems, arrayOf, envelope, PAGE_META, PageQueryDto } from '@app/common';
import { ChannelsService } from './channels.service';
import { channelSchema } from './openapi/channel.schemas';

/** The org's channels (upserted from every job's target_channel). */
@ApiTags('Channels')
@Controller('services/channels')
export class ChannelsController {
  constructor(private readonly channels: ChannelsService) {}

  @Get()
  @RequireAccess('SERVICES', 'READ')
  @ApiOperation({ summary: "List the org's channels", description: 'Oldest first' })
  @ApiData({ description: 'A page of channels', data: arrayOf(channelSchema('Channel')), meta: PAGE_META })
  list(@CurrentToken() caller: Principal, @Query() page: PageQueryDto) {
    return this.channels.list(caller.orgId, page);
  }

  @Get(':id')
  @RequireAccess('SERVICES', 'READ')
  @ApiOperation({ summary: 'Get a channel' })
  @ApiData({ description: 'The channel', data: channelSchema('Channel'), meta: ['org_id', 'id'] })
  @ApiProblems('CHANNEL_NOT_FOUND', 'FORBIDDEN')
  async get(@CurrentToken() caller: Principal, @Param('id') id: string) {
    return envelope(await this.channels.get(caller.orgId, id), { org_id: caller.orgId, id });
  }
}
