import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { actorOf, CurrentToken, Principal, RequireAccess } from '@app/auth';
import { AppConfig, envelope, PageQueryDto } from '@app/common';
import { ChatService } from './chat.service';
import { CancelTurnDto, ChatDto, UpdateSessionDto } from './dto/chat.dto';
import { ListSessionsQueryDto } from './dto/list-sessions.query';
import { SessionsService } from './sessions.service';
import { TurnRunner } from './turn-runner';
import { streamTurn, wantsEventStream } from './turn-stream';

@Controller('services/sessions')
export class SessionsController {
  constructor(
    private readonly chats: ChatService,
    private readonly runner: TurnRunner,
    private readonly sessions: SessionsService,
    private readonly config: AppConfig,
  ) {}

  /** Answers once the agent has: the Turn (200 even when the agent failed), or its events with Accept: text/event-stream. */
  @Post('chat')
  @RequireAccess('SERVICES', 'WRITE')
  async chat(@CurrentToken() caller: Principal, @Body() body: ChatDto, @Headers('accept') accept: string | undefined, @Res() res: Response) {
    // Every refusal is thrown here, before a byte is written: an ordinary problem+json answer.
    const turn = await this.chats.begin(caller.orgId, body);
    if (wantsEventStream(accept)) return streamTurn(res, turn, this.runner, this.config);
    const ended = await this.runner.run(turn);
    res.status(200).json(envelope(ended, { org_id: caller.orgId, session_id: turn.sessionId }));
  }

  @Get()
  @RequireAccess('SERVICES', 'READ')
  list(@CurrentToken() caller: Principal, @Query() query: ListSessionsQueryDto) {
    return this.sessions.list(caller.orgId, query);
  }

  @Get(':id')
  @RequireAccess('SERVICES', 'READ')
  async get(@CurrentToken() caller: Principal, @Param('id') id: string) {
    return envelope(await this.sessions.get(caller.orgId, id), { org_id: caller.orgId, session_id: id });
  }

  @Get(':id/turns')
  @RequireAccess('SERVICES', 'READ')
  turns(@CurrentToken() caller: Principal, @Param('id') id: string, @Query() { limit, offset }: PageQueryDto) {
    return this.sessions.turns(caller.orgId, id, limit, offset);
  }

  @Patch(':id')
  @RequireAccess('SERVICES', 'WRITE')
  async update(@CurrentToken() caller: Principal, @Param('id') id: string, @Body() body: UpdateSessionDto) {
    return envelope(await this.sessions.setTtl(caller.orgId, id, body.ttl_hours), { org_id: caller.orgId, session_id: id });
  }

  /** The canceled Turn; 409 SESSION_NOT_BUSY when none runs. */
  @Post(':id/cancel')
  @HttpCode(200)
  @RequireAccess('SERVICES', 'WRITE')
  async cancel(@CurrentToken() caller: Principal, @Param('id') id: string, @Body() body: CancelTurnDto) {
    const turn = await this.sessions.cancel(caller.orgId, id, body?.reason ?? null, actorOf(caller));
    return envelope(turn, { org_id: caller.orgId, session_id: id });
  }

  @Delete(':id')
  @HttpCode(200)
  @RequireAccess('SERVICES', 'WRITE')
  async remove(@CurrentToken() caller: Principal, @Param('id') id: string) {
    await this.sessions.remove(caller.orgId, id, actorOf(caller));
    return { meta: { org_id: caller.orgId, session_id: id }, message: `Session with ID '${id}' successfully deleted` };
  }
}
