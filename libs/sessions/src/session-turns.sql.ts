/**
 * The statements that start and end turns. Each is one statement, so a turn's row, its
 * session's busy flag and the history change together or not at all. `$1` of every end-of-turn
 * statement is the length of a TTL hour in ms (SESSION_TTL_UNIT_MS).
 */

const ttl = (hours: string) => `now() + ${hours} * $1::float8 * interval '1 millisecond'`;

/** Inserts the turn and the user's message for the session row(s) of CTE `s` (params: see callers). */
const turnAndMessage = (turnId: string, message: string, context: string, leaseMs: string) => `
  t AS (
    INSERT INTO session_turns (id, session_id, org_id, agent_type, status, message, context, lease_expires_at)
    SELECT ${turnId}, s.id, s.org_id, s.agent_type, 'running', ${message}, ${context}::jsonb, now() + ${leaseMs} * interval '1 millisecond'
    FROM s RETURNING started_at
  ),
  m AS (
    INSERT INTO session_messages (session_id, org_id, role, content, turn_id) SELECT s.id, s.org_id, 'user', ${message}, ${turnId} FROM s
  )`;

/** $1 unit, $2 session id, $3 org, $4 agent_type, $5 turn id, $6 ttl_hours, $7 message, $8 context, $9 lease ms. */
export const START_SESSION_SQL = `
  WITH s AS (
    INSERT INTO sessions (id, org_id, agent_type, active_turn_id, ttl_hours, expires_at, turn_count)
    VALUES ($2, $3, $4, $5, $6::int, ${ttl('$6::int')}, 1)
    RETURNING id, org_id, agent_type, expires_at
  ), ${turnAndMessage('$5', '$7', '$8', '$9')}
  SELECT s.agent_type, s.expires_at, t.started_at, '[]'::json AS history FROM s, t`;

/**
 * Takes an idle, live session for a new turn: the busy check is this conditional UPDATE (the
 * row lock makes a concurrent one wait, then find the session busy). `history` is read in the
 * same statement's snapshot, so it must be the snapshot's row that is claimed: a statement
 * that waited on the row lock re-checks its WHERE on the row its holder committed but keeps
 * reading everything else as of its start, so the holder's messages (the previous turn's
 * answer, a job's brief and result) would be missing. Every writer of a session's messages
 * updates the session row, so the xmin guard below refuses exactly that case: nothing is
 * claimed, and the caller tries again with a new statement (ChatService).
 * $1 session id, $2 org, $3 turn id, $4 ttl_hours or null, $5 agent_type or null, $6 message, $7 context, $8 lease ms.
 */
export const CLAIM_SESSION_SQL = `
  WITH s AS (
    UPDATE sessions SET active_turn_id = $3, turn_count = turn_count + 1, ttl_hours = COALESCE($4::int, ttl_hours), updated_at = now()
    WHERE id = $1 AND org_id = $2 AND active_turn_id IS NULL AND expires_at > now() AND ($5::text IS NULL OR agent_type = $5::text)
      AND xmin::text = (SELECT v.xmin::text FROM sessions v WHERE v.id = $1 AND v.org_id = $2)
    RETURNING id, org_id, agent_type, expires_at
  ), ${turnAndMessage('$3', '$6', '$7', '$8')}
  SELECT s.agent_type, s.expires_at, t.started_at,
         (SELECT coalesce(json_agg(json_build_object('role', role, 'content', content) ORDER BY id), '[]'::json)
            FROM session_messages WHERE session_id = $1 AND org_id = $2) AS history
  FROM s, t`;

/**
 * Ends the running turns `update` picks (an UPDATE of session_turns, without RETURNING): frees
 * the sessions they held, slides their expiry to now + ttl_hours, adds their usage, and
 * appends the response of a complete (or max_iterations_reached) turn as the assistant's message. A turn that is no longer running (a
 * cancel or the reconciler got there first) is not picked, so nothing else changes either.
 */
const endTurns = (update: string) => `
  WITH t AS (${update} RETURNING *),
  s AS (
    UPDATE sessions SET active_turn_id = NULL, expires_at = ${ttl('sessions.ttl_hours')}, updated_at = now(),
           usage_prompt = usage_prompt + (t.usage->>'prompt')::bigint,
           usage_completion = usage_completion + (t.usage->>'completion')::bigint,
           usage_total = usage_total + (t.usage->>'total')::bigint
    FROM t WHERE sessions.id = t.session_id AND sessions.org_id = t.org_id AND sessions.active_turn_id = t.id
    RETURNING sessions.id, sessions.expires_at
  ),
  m AS (
    INSERT INTO session_messages (session_id, org_id, role, content, turn_id)
    SELECT t.session_id, t.org_id, 'assistant', t.response, t.id FROM t
    WHERE t.status IN ('complete', 'max_iterations_reached') AND t.response IS NOT NULL
  )
  SELECT t.*, s.expires_at FROM t LEFT JOIN s ON s.id = t.session_id`;

/** $2 turn id, $3 org, $4 status, $5 response, $6 tool_calls, $7 iterations, $8 usage, $9 error. */
export const FINISH_TURN_SQL = endTurns(`
  UPDATE session_turns SET status = $4, response = $5, tool_calls = $6::jsonb, iterations = $7, usage = $8::jsonb, error = $9::jsonb,
         finished_at = now(), lease_expires_at = NULL
  WHERE id = $2 AND org_id = $3 AND status = 'running'`);

/** $2 session id, $3 org, $4 reason, $5 canceled_by. */
export const CANCEL_TURN_SQL = endTurns(`
  UPDATE session_turns SET status = 'canceled', cancel_reason = $4, canceled_by = $5, finished_at = now(), lease_expires_at = NULL
  WHERE id = (SELECT active_turn_id FROM sessions WHERE id = $2 AND org_id = $3) AND org_id = $3 AND status = 'running'`);

/**
 * Fails up to $3 running turns whose lease lapsed (the process running them is gone) with the
 * error $2; the oldest lapsed leases first, along session_turns_running_lease_idx (run as an
 * orderedWalk, so that it stays an index scan in key order without fresh statistics).
 */
export const FAIL_LAPSED_TURNS_SQL = endTurns(`
  UPDATE session_turns SET status = 'error', error = $2::jsonb, finished_at = now(), lease_expires_at = NULL
  WHERE id IN (
    SELECT id FROM session_turns WHERE status = 'running' AND lease_expires_at < now()
    ORDER BY lease_expires_at LIMIT $3 FOR UPDATE SKIP LOCKED
  ) AND status = 'running'`);

/** Up to $1 idle sessions past their expiry, oldest expiry first (sessions_idle_expires_idx, as an orderedWalk); turns and messages go with them. */
export const SWEEP_SESSIONS_SQL = `
  DELETE FROM sessions WHERE id IN (
    SELECT id FROM sessions WHERE active_turn_id IS NULL AND expires_at <= now() ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED
  )`;

/** A session is expired once it is idle and past expires_at (a running turn's end sets a new expiry). */
export const EXPIRED = `(active_turn_id IS NULL AND expires_at <= now())`;
