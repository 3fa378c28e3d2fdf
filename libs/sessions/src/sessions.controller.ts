import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { actorOf, CurrentToken, Principal, RequireAccess } from '@app/auth';
import { ApiData, AppConfig, ApiMessage, ApiProblems, arrayOf, BODY_PROBLEMS, envelope, LIST_META, PAGE_META, PageQueryDto, ProblemCode } from '@app/common';
import { ChatService } from './chat.service';
import { CancelTurnDto, ChatDto, UpdateSessionDto } from './dto/chat.dto';
import { ListSessionsQueryDto } from './dto/list-sessions.query';
import { SessionsService } from './sessions.service';
import { TurnRunner } from './turn-runner';
import { streamTurn, wantsEventStream } from './turn-stream';
import { sessionSchema, TURN_EVENT_STREAM } from './openapi/session.schemas';

/** What every route naming a session may answer about it. */
const SESSION_PROBLEMS: ProblemCode[] = ['SESSION_NOT_FOUND', 'SESSION_EXPIRED', 'FORBIDDEN'];

@ApiTags('Sessions')
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
  @ApiOperation({
    summary: 'Send a message to an agent: a turn of a new or a running session',
    description: 'Answers once the agent has (200 also when the agent failed: the turn has status error). With Accept: text/event-stream the same request answers the turn as server-sent events: turn.started, tool_call for each tool call, then exactly one of turn.completed, turn.failed, turn.canceled.',
  })
  @ApiData({ description: 'The turn', data: sessionSchema('Turn'), meta: ['org_id', 'session_id'], events: TURN_EVENT_STREAM })
  @ApiProblems(...BODY_PROBLEMS, ...SESSION_PROBLEMS, 'JOB_TYPE_NOT_FOUND', 'SESSION_BUSY', 'SESSION_AGENT_MISMATCH')
  async chat(@CurrentToken() caller: Principal, @Body() body: ChatDto, @Headers('accept') accept: string | undefined, @Res() res: Response) {
    // Every refusal is thrown here, before a byte is written: an ordinary problem+json answer.
    const turn = await this.chats.begin(caller.orgId, body);
    if (wantsEventStream(accept)) return streamTurn(res, turn, this.runner, this.config);
    const ended = await this.runner.run(turn);
    res.status(200).json(envelope(ended, { org_id: caller.orgId, session_id: turn.sessionId }));
  }

  @Get()
  @RequireAccess('SERVICES', 'READ')
  @ApiOperation({ summary: "List the org's live sessions" })
  @ApiData({ description: 'A page of sessions (without their messages)', data: arrayOf(sessionSchema('Session')), meta: LIST_META })
  list(@CurrentToken() caller: Principal, @Query() query: ListSessionsQueryDto) {
    return this.sessions.list(caller.orgId, query);
  }

  @Get(':id')
  @RequireAccess('SERVICES', 'READ')
  @ApiOperation({ summary: 'Get a session with its history' })
  @ApiData({ description: 'The session', data: sessionSchema('SessionWithMessages'), meta: ['org_id', 'session_id'] })
  @ApiProblems(...SESSION_PROBLEMS)
  async get(@CurrentToken() caller: Principal, @Param('id') id: string) {
    return envelope(await this.sessions.get(caller.orgId, id), { org_id: caller.orgId, session_id: id });
  }

  @Get(':id/turns')
  @RequireAccess('SERVICES', 'READ')
  @ApiOperation({ summary: "A session's turns", description: 'Oldest first' })
  @ApiData({ description: 'A page of turns', data: arrayOf(sessionSchema('Turn')), meta: [...PAGE_META, 'session_id'] })
  @ApiProblems(...SESSION_PROBLEMS)
  turns(@CurrentToken() caller: Principal, @Param('id') id: string, @Query() { limit, offset }: PageQueryDto) {
    return this.sessions.turns(caller.orgId, id, limit, offset);
  }

  @Patch(':id')
  @RequireAccess('SERVICES', 'WRITE')
  @ApiOperation({ summary: "Set a session's TTL", description: 'expires_at becomes now + ttl_hours' })
  @ApiData({ description: 'The session (without its messages)', data: sessionSchema('Session'), meta: ['org_id', 'session_id'] })
  @ApiProblems(...BODY_PROBLEMS, ...SESSION_PROBLEMS)
  async update(@CurrentToken() caller: Principal, @Param('id') id: string, @Body() body: UpdateSessionDto) {
    return envelope(await this.sessions.setTtl(caller.orgId, id, body.ttl_hours), { org_id: caller.orgId, session_id: id });
  }

  /** The canceled Turn; 409 SESSION_NOT_BUSY when none runs. */
  @Post(':id/cancel')
  @HttpCode(200)
  @RequireAccess('SERVICES', 'WRITE')
  @ApiOperation({ summary: 'Cancel the running turn', description: 'Its agent call is aborted; the waiting chat request answers with status canceled. The body (a reason) is optional.' })
  @ApiBody({ type: CancelTurnDto, required: false })
  @ApiData({ description: 'The canceled turn', data: sessionSchema('Turn'), meta: ['org_id', 'session_id'] })
  @ApiProblems(...BODY_PROBLEMS, ...SESSION_PROBLEMS, 'SESSION_NOT_BUSY')
  async cancel(@CurrentToken() caller: Principal, @Param('id') id: string, @Body() body: CancelTurnDto) {
    const turn = await this.sessions.cancel(caller.orgId, id, body?.reason ?? null, actorOf(caller));
    return envelope(turn, { org_id: caller.orgId, session_id: id });
  }

  @Delete(':id')
  @HttpCode(200)
  @RequireAccess('SERVICES', 'WRITE')
  @ApiOperation({ summary: 'End a session', description: 'At once: a running turn is aborted, the history deleted' })
  @ApiMessage('Deleted', ['org_id', 'session_id'])
  @ApiProblems(...SESSION_PROBLEMS)
  async remove(@CurrentToken() caller: Principal, @Param('id') id: string) {
    await this.sessions.remove(caller.orgId, id, actorOf(caller));
    return { meta: { org_id: caller.orgId, session_id: id }, message: `Session with ID '${id}' successfully deleted` };
  }
}
