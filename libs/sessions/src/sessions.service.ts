import { Injectable } from '@nestjs/common';
import { AppConfig, conflict, envelope, SignedCursors } from '@app/common';
import { ListSessionsQueryDto, sessionListCursors } from './dto/list-sessions.query';
import { InFlightTurns } from './in-flight-turns';
import { liveSession, SESSION_ID_PATTERN, sessionNotFound } from './session-errors';
import { sessionView, turnView, TurnView } from './session-views';
import { SessionLookup, SessionsRepository } from './sessions.repository';
import type { SessionEntity } from './session.entities';

/** The session routes besides chat: read, list, TTL, cancel the running turn, delete. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly config: AppConfig,
    private readonly repo: SessionsRepository,
    private readonly inFlight: InFlightTurns,
    private readonly cursors: SignedCursors,
  ) {}

  async get(orgId: string, sessionId: string) {
    const session = await this.live(orgId, sessionId);
    return sessionView(session, await this.repo.messages(orgId, sessionId));
  }

  async list(orgId: string, q: ListSessionsQueryDto) {
    const cursor = q.cursor ? sessionListCursors.open(this.cursors, orgId, q) : undefined;
    const { rows, total } = await this.repo.list(orgId, q, cursor);
    const { page, meta } = sessionListCursors.page(this.cursors, orgId, q, rows, total);
    return envelope(page.map((s) => sessionView(s)), meta);
  }

  async turns(orgId: string, sessionId: string, limit: number, offset: number) {
    const session = await this.live(orgId, sessionId);
    const [rows, total] = await this.repo.turns(orgId, sessionId, limit, offset);
    return envelope(rows.map((t) => turnView(t, session.expires_at)), { org_id: orgId, session_id: sessionId, limit, offset, total });
  }

  async setTtl(orgId: string, sessionId: string, ttlHours: number) {
    const updated = await this.repo.setTtl(orgId, sessionId, ttlHours, this.config.SESSION_TTL_UNIT_MS);
    if (!updated) return this.refused(orgId, sessionId);
    return sessionView(updated);
  }

  /** Ends the running turn as canceled, then aborts its agent call wherever it runs. */
  async cancel(orgId: string, sessionId: string, reason: string | null, actor: string): Promise<TurnView> {
    if (!SESSION_ID_PATTERN.test(sessionId)) throw sessionNotFound(sessionId);
    const ended = await this.repo.cancel(orgId, sessionId, reason, actor, this.config.SESSION_TTL_UNIT_MS);
    if (!ended) {
      liveSession(await this.repo.lookup(orgId, sessionId), sessionId);
      throw conflict('SESSION_NOT_BUSY', `Session '${sessionId}' is not running a turn`);
    }
    await this.inFlight.abortEverywhere(ended.id, { reason: 'canceled', canceled_by: actor });
    return turnView(ended, ended.expires_at);
  }

  /** Deletes the session and its history at once; a running turn is aborted (its request answers it canceled). */
  async remove(orgId: string, sessionId: string, actor: string): Promise<void> {
    if (!SESSION_ID_PATTERN.test(sessionId)) throw sessionNotFound(sessionId);
    const deleted = await this.repo.delete(orgId, sessionId);
    if (!deleted) return this.refused(orgId, sessionId);
    if (deleted.active_turn_id) await this.inFlight.abortEverywhere(deleted.active_turn_id, { reason: 'deleted', canceled_by: actor });
  }

  private async live(orgId: string, sessionId: string): Promise<SessionEntity> {
    return liveSession(await this.lookup(orgId, sessionId), sessionId);
  }

  private lookup(orgId: string, sessionId: string): Promise<SessionLookup> {
    if (!SESSION_ID_PATTERN.test(sessionId)) return Promise.resolve({ state: 'missing' });
    return this.repo.lookup(orgId, sessionId);
  }

  /** Why a conditional write found no live session of the org: 404, 403 or SESSION_EXPIRED (gone meanwhile: 404). */
  private async refused(orgId: string, sessionId: string): Promise<never> {
    liveSession(await this.lookup(orgId, sessionId), sessionId);
    throw sessionNotFound(sessionId);
  }
}
