import { EXPIRED } from './session-turns.sql';

/**
 * The CTEs another library's statement composes in to append what a job run in a session did
 * (docs/decisions.md "Jobs in a session"): libs/sessions owns sessions and session_messages, so
 * the text lives here; libs/jobs runs it in the statement that completes the job, so the append
 * commits with the completion or not at all, exactly once (that statement applies once per job).
 *
 * `src` names a CTE of the caller with columns session_id, org_id, job_id, brief, answer. Each
 * row's session, if it is still live (a busy one too: the running turn is left alone), gets the
 * brief as a user message and the answer as an assistant message, in that order, and its expiry
 * slides to now + ttl_hours as at the end of a turn. An expired or deleted session gets nothing.
 * The sessions are locked in id order (after the caller's rows), so that two such statements
 * never wait on each other in a cycle. `unitMs`: SQL for the length of a TTL hour in ms.
 */
export function appendJobMessagesSql(src: string, unitMs: string): string {
  return `session_live AS (
    SELECT id, org_id, ttl_hours FROM sessions
    WHERE id IN (SELECT session_id FROM ${src}) AND NOT ${EXPIRED}
    ORDER BY id FOR UPDATE
  ), session_slid AS (
    UPDATE sessions s SET expires_at = now() + session_live.ttl_hours * ${unitMs}::float8 * interval '1 millisecond', updated_at = now()
    FROM session_live WHERE s.id = session_live.id
  ), session_appended AS (
    INSERT INTO session_messages (session_id, org_id, role, content, job_id)
    SELECT l.id, l.org_id, m.role, m.content, a.job_id
    FROM ${src} a JOIN session_live l ON l.id = a.session_id AND l.org_id = a.org_id
    CROSS JOIN LATERAL (VALUES (1, 'user', a.brief), (2, 'assistant', a.answer)) m(n, role, content)
    ORDER BY a.job_id, m.n
    RETURNING job_id
  )`;
}
