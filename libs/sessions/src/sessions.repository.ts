import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import type { ListCursor } from '@app/common';
import { orderedWalk, preparedQuery } from '@app/database';
import type { SessionMessage, TurnOutcome } from '@app/job-types';
import type { ListSessionsQueryDto, SessionSortField } from './dto/list-sessions.query';
import { SessionEntity, SessionMessageEntity, SessionTurnEntity } from './session.entities';
import {
  CANCEL_TURN_SQL, CLAIM_SESSION_SQL, EXPIRED, FAIL_LAPSED_TURNS_SQL, FINISH_TURN_SQL, START_SESSION_SQL, SWEEP_SESSIONS_SQL,
} from './session-turns.sql';

export interface NewTurn {
  turnId: string;
  message: string;
  context: Record<string, unknown> | null;
  leaseMs: number;
}

/** What a started turn needs to run: its session's agent and the history before its message. */
export interface ClaimedTurn {
  agent_type: string;
  expires_at: Date;
  started_at: Date;
  history: SessionMessage[];
}

/** A turn as an end-of-turn statement left it, with its session's new expiry (null: the session is gone). */
export type EndedTurn = SessionTurnEntity & { expires_at: Date | null };

/** By id alone, told apart for the caller: unknown (404), another org's (403), or the org's own. */
export type SessionLookup = { state: 'missing' } | { state: 'foreign' } | { state: 'mine'; session: SessionEntity; expired: boolean };

/**
 * All SQL of sessions, turns and messages (libs/sessions owns these tables). Every method that
 * reads or writes an org's rows takes the org id and names it in the statement; only the
 * worker's maintenance passes (reconcile, sweep) work across orgs.
 */
@Injectable()
export class SessionsRepository {
  constructor(
    private readonly db: DataSource,
    @InjectRepository(SessionTurnEntity) private readonly turnRows: Repository<SessionTurnEntity>,
    @InjectRepository(SessionMessageEntity) private readonly messageRows: Repository<SessionMessageEntity>,
  ) {}

  /** A new session, its first turn (running) and the user's message, in one statement. */
  async start(orgId: string, s: { sessionId: string; agentType: string; ttlHours: number; unitMs: number }, t: NewTurn): Promise<ClaimedTurn> {
    const [row] = await preparedQuery<ClaimedTurn>(this.db, START_SESSION_SQL, [
      s.unitMs, s.sessionId, orgId, s.agentType, t.turnId, s.ttlHours, t.message, json(t.context), t.leaseMs,
    ]);
    return row;
  }

  /** The next turn of an idle, live session of the org (matching `agentType` when given); null when it cannot start. */
  async claim(orgId: string, sessionId: string, s: { ttlHours: number | null; agentType: string | null }, t: NewTurn): Promise<ClaimedTurn | null> {
    const [row] = await preparedQuery<ClaimedTurn>(this.db, CLAIM_SESSION_SQL, [
      sessionId, orgId, t.turnId, s.ttlHours, s.agentType, t.message, json(t.context), t.leaseMs,
    ]);
    return row ?? null;
  }

  async renewLease(orgId: string, turnId: string, leaseMs: number): Promise<void> {
    await this.db.query(
      `UPDATE session_turns SET lease_expires_at = now() + $3 * interval '1 millisecond' WHERE id = $1 AND org_id = $2 AND status = 'running'`,
      [turnId, orgId, leaseMs],
    );
  }

  /** Stores the agent's outcome if the turn is still running; null when a cancel or the reconciler ended it first. */
  async finish(orgId: string, turnId: string, o: TurnOutcome, unitMs: number): Promise<EndedTurn | null> {
    const [row] = await preparedQuery<EndedTurn>(this.db, FINISH_TURN_SQL, [
      unitMs, turnId, orgId, o.status, o.response, JSON.stringify(o.tool_calls), o.iterations, JSON.stringify(o.usage), json(o.error),
    ]);
    return row ?? null;
  }

  /** Cancels the session's running turn; null when none runs. */
  async cancel(orgId: string, sessionId: string, reason: string | null, actor: string, unitMs: number): Promise<EndedTurn | null> {
    const [row] = await this.db.query(CANCEL_TURN_SQL, [unitMs, sessionId, orgId, reason, actor]);
    return row ?? null;
  }

  /** Maintenance, all orgs: fails up to `limit` running turns whose lease lapsed. */
  failLapsedTurns(error: { code: string; message: string }, limit: number, unitMs: number): Promise<EndedTurn[]> {
    return orderedWalk<EndedTurn>(this.db, FAIL_LAPSED_TURNS_SQL, [unitMs, JSON.stringify(error), limit]);
  }

  /** Maintenance, all orgs: deletes up to `limit` expired sessions with their history; how many went. */
  async sweepExpired(limit: number): Promise<number> {
    // A DELETE answers [rows, affected count].
    const [, deleted] = await orderedWalk<unknown>(this.db, SWEEP_SESSIONS_SQL, [limit]);
    return Number(deleted);
  }

  async lookup(orgId: string, sessionId: string): Promise<SessionLookup> {
    const [row] = await preparedQuery<SessionEntity & { expired: boolean }>(
      this.db, `SELECT *, ${EXPIRED} AS expired FROM sessions WHERE id = $1`, [sessionId],
    );
    if (!row) return { state: 'missing' };
    if (row.org_id !== orgId) return { state: 'foreign' };
    const { expired, ...session } = row;
    return { state: 'mine', session, expired };
  }

  /** One turn of the org as stored, with its session's expiry (null once the session is gone, and the turn with it). */
  async turn(orgId: string, turnId: string): Promise<EndedTurn | null> {
    const [row] = await this.db.query(
      `SELECT t.*, s.expires_at FROM session_turns t LEFT JOIN sessions s ON s.id = t.session_id WHERE t.id = $1 AND t.org_id = $2`,
      [turnId, orgId],
    );
    return row ?? null;
  }

  /** The session's turns, oldest first. */
  turns(orgId: string, sessionId: string, limit: number, offset: number): Promise<[SessionTurnEntity[], number]> {
    return this.turnRows.findAndCount({ where: { session_id: sessionId, org_id: orgId }, order: { id: 'ASC' }, take: limit, skip: offset });
  }

  /** The session's history, oldest first. */
  messages(orgId: string, sessionId: string): Promise<SessionMessageEntity[]> {
    return this.messageRows.find({ where: { session_id: sessionId, org_id: orgId }, order: { id: 'ASC' } });
  }

  /** The history of the org's session if it is live (a busy one too), oldest first; [] otherwise. */
  liveHistory(orgId: string, sessionId: string): Promise<SessionMessage[]> {
    return preparedQuery<SessionMessage>(
      this.db,
      `SELECT role, content FROM session_messages
       WHERE session_id = (SELECT id FROM sessions WHERE id = $1 AND org_id = $2 AND NOT ${EXPIRED}) ORDER BY id`,
      [sessionId, orgId],
    );
  }

  /** Sets the TTL of a live session; expires_at = now + ttl_hours. Null when it is not a live session of the org. */
  async setTtl(orgId: string, sessionId: string, ttlHours: number, unitMs: number): Promise<SessionEntity | null> {
    const [rows] = await this.db.query(
      `UPDATE sessions SET ttl_hours = $3::int, expires_at = now() + $3::int * $4::float8 * interval '1 millisecond', updated_at = now()
       WHERE id = $1 AND org_id = $2 AND NOT ${EXPIRED} RETURNING *`,
      [sessionId, orgId, ttlHours, unitMs],
    );
    return rows[0] ?? null;
  }

  /** Deletes a live session of the org with its history; the turn it was running, if any. Null when there was none. */
  async delete(orgId: string, sessionId: string): Promise<{ active_turn_id: string | null } | null> {
    const [rows] = await this.db.query(
      `DELETE FROM sessions WHERE id = $1 AND org_id = $2 AND NOT ${EXPIRED} RETURNING active_turn_id`, [sessionId, orgId],
    );
    return rows[0] ?? null;
  }

  /** A page of the org's live sessions, fetched with one row more than `limit` (see ListCursorCodec.page). */
  async list(orgId: string, q: ListSessionsQueryDto, cursor: ListCursor<SessionSortField> | undefined) {
    const params: unknown[] = [orgId];
    const where = ['org_id = $1'];
    if (q.agent_type !== undefined) where.push(`agent_type = $${params.push(q.agent_type)}`);
    if (q.status === 'busy') where.push('active_turn_id IS NOT NULL');
    else if (q.status === 'idle') where.push('active_turn_id IS NULL AND expires_at > now()');
    else where.push(`NOT ${EXPIRED}`);
    const filter = where.join(' AND ');
    const filterParams = [...params];
    const { field, direction } = q.sort;
    if (cursor) {
      where.push(`(${field}, id) ${direction === 'desc' ? '<' : '>'} ($${params.push(cursor.v)}::timestamptz, $${params.push(cursor.id)})`);
    }
    params.push(cursor ? 0 : q.offset);
    const [rows, total] = await Promise.all([
      this.db.query(
        `SELECT *, ${field}::text AS _sort_key FROM sessions WHERE ${where.join(' AND ')}
         ORDER BY ${field} ${direction}, id ${direction} LIMIT ${Math.trunc(q.limit) + 1} OFFSET $${params.length}`,
        params,
      ) as Promise<Array<SessionEntity & { _sort_key: string }>>,
      cursor ? cursor.t : this.db.query(`SELECT count(*)::int AS n FROM sessions WHERE ${filter}`, filterParams).then((r) => r[0].n as number),
    ]);
    return { rows, total };
  }
}

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));
