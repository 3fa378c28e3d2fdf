import { Injectable } from '@nestjs/common';
import type { SessionMessage } from '@app/job-types';
import { liveSession, sessionBusy, SESSION_ID_PATTERN, sessionNotFound } from './session-errors';
import { SessionsRepository } from './sessions.repository';

/**
 * What libs/jobs asks of a session a job runs in (spec "Sessions"): may a job join it, and its
 * history when a task starts. The append of the job's brief and result is SQL that the job's
 * completing statement composes in (session-jobs.sql.ts).
 */
@Injectable()
export class SessionJobs {
  constructor(private readonly repo: SessionsRepository) {}

  /** The org's live, idle session, or the refusal: 404 SESSION_NOT_FOUND, 403, 404 SESSION_EXPIRED, 409 SESSION_BUSY (with active_turn_id). */
  async assertJoinable(orgId: string, sessionId: string): Promise<void> {
    if (!SESSION_ID_PATTERN.test(sessionId)) throw sessionNotFound(sessionId);
    const session = liveSession(await this.repo.lookup(orgId, sessionId), sessionId);
    if (session.active_turn_id) throw sessionBusy(sessionId, session.active_turn_id);
  }

  /** The history of the org's live session, oldest first, as it is now; [] once it expired or was deleted (never sent again). */
  history(orgId: string, sessionId: string): Promise<SessionMessage[]> {
    return this.repo.liveHistory(orgId, sessionId);
  }
}
