import { Injectable } from '@nestjs/common';
import { AppConfig, conflict, newId, validationFailed } from '@app/common';
import { JobTypesService } from '@app/job-types';
import { ChatDto, DEFAULT_TTL_HOURS } from './dto/chat.dto';
import { InFlightTurns } from './in-flight-turns';
import { liveSession, sessionBusy, SESSION_ID_PATTERN, sessionNotFound } from './session-errors';
import { ClaimedTurn, NewTurn, SessionsRepository } from './sessions.repository';
import type { StartedTurn } from './turn-runner';

/** A continue that keeps finding the session idle yet cannot claim it gives up after this many tries. */
const CLAIM_ATTEMPTS = 3;

/**
 * Starts a turn of POST /services/sessions/chat: a new session, or the next turn of one,
 * with every refusal (404, 403, 409) decided before the agent is called or a byte is
 * streamed. TurnRunner then runs it.
 */
@Injectable()
export class ChatService {
  constructor(
    private readonly config: AppConfig,
    private readonly repo: SessionsRepository,
    private readonly jobTypes: JobTypesService,
    private readonly inFlight: InFlightTurns,
  ) {}

  /** The started turn, registered in InFlightTurns (TurnRunner.run ends that); nothing is left registered when it throws. */
  async begin(orgId: string, body: ChatDto): Promise<StartedTurn> {
    const turn: NewTurn = { turnId: newId('turn'), message: body.message, context: body.context ?? null, leaseMs: this.config.SESSION_TURN_LEASE_MS };
    // Before the row exists: a cancel of this turn, from any process, cannot arrive before it.
    const controller = this.inFlight.start(turn.turnId);
    try {
      const claimed = await this.claim(orgId, body, turn);
      return {
        orgId, sessionId: claimed.sessionId, turnId: turn.turnId, agentType: claimed.agent_type, message: turn.message, context: turn.context,
        maxIterations: body.max_iterations, startedAt: claimed.started_at, expiresAt: claimed.expires_at, history: claimed.history, controller,
      };
    } catch (err) {
      this.inFlight.end(turn.turnId);
      throw err;
    }
  }

  private async claim(orgId: string, body: ChatDto, turn: NewTurn): Promise<ClaimedTurn & { sessionId: string }> {
    if (body.session_id === undefined) return this.startSession(orgId, body, turn);
    const sessionId = body.session_id;
    if (!SESSION_ID_PATTERN.test(sessionId)) throw sessionNotFound(sessionId);
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const claimed = await this.repo.claim(orgId, sessionId, { ttlHours: body.ttl_hours ?? null, agentType: body.agent_type ?? null }, turn);
      if (claimed) return { ...claimed, sessionId };
      // Why not: each refusal is read after the fact; an idle, matching session (its turn just ended, or its row
      // changed while the claim waited for its lock: CLAIM_SESSION_SQL) is tried again.
      const session = liveSession(await this.repo.lookup(orgId, sessionId), sessionId);
      if (body.agent_type !== undefined && body.agent_type !== session.agent_type) {
        throw conflict('SESSION_AGENT_MISMATCH', `Session '${sessionId}' talks to '${session.agent_type}', not '${body.agent_type}'`);
      }
      if (session.active_turn_id) throw sessionBusy(sessionId, session.active_turn_id);
    }
    throw sessionBusy(sessionId, null);
  }

  private async startSession(orgId: string, body: ChatDto, turn: NewTurn): Promise<ClaimedTurn & { sessionId: string }> {
    if (body.agent_type === undefined) {
      throw validationFailed([{ field: 'agent_type', message: 'is required to start a session (or give session_id to continue one)' }]);
    }
    await this.jobTypes.getRecent(orgId, body.agent_type); // 404 JOB_TYPE_NOT_FOUND
    const sessionId = newId('ses');
    const claimed = await this.repo.start(orgId, {
      sessionId, agentType: body.agent_type, ttlHours: body.ttl_hours ?? DEFAULT_TTL_HOURS, unitMs: this.config.SESSION_TTL_UNIT_MS,
    }, turn);
    return { ...claimed, sessionId };
  }
}
