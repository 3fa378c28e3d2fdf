import type { SessionEntity, SessionMessageEntity, SessionTurnEntity } from './session.entities';

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** The spec's Turn. `expires_at` is the session's (each end of a turn moves it); `status` is "running" until the turn ends. */
export const turnView = (t: SessionTurnEntity, expiresAt: Date | string | null) => ({
  session_id: t.session_id,
  turn_id: t.id,
  agent_type: t.agent_type,
  status: t.status,
  response: t.response,
  tool_calls: t.tool_calls,
  iterations: t.iterations,
  usage: t.usage,
  error: t.error,
  started_at: iso(t.started_at),
  finished_at: iso(t.finished_at),
  expires_at: iso(expiresAt),
  cancel_reason: t.cancel_reason,
  canceled_by: t.canceled_by,
});
export type TurnView = ReturnType<typeof turnView>;

/** `turn_id` for a turn's message, `job_id` for a job's brief and result (the other is null). */
export const messageView = (m: Pick<SessionMessageEntity, 'role' | 'content' | 'turn_id' | 'job_id' | 'at'>) => ({
  role: m.role, content: m.content, turn_id: m.turn_id, job_id: m.job_id, at: iso(m.at),
});

/** The spec's session; the list leaves out `messages`. */
export const sessionView = (s: SessionEntity, messages?: SessionMessageEntity[]) => ({
  session_id: s.id,
  org_id: s.org_id,
  agent_type: s.agent_type,
  status: s.active_turn_id ? ('busy' as const) : ('idle' as const),
  active_turn_id: s.active_turn_id,
  created_at: iso(s.created_at),
  updated_at: iso(s.updated_at),
  expires_at: iso(s.expires_at),
  ttl_hours: s.ttl_hours,
  turn_count: s.turn_count,
  usage: { prompt: Number(s.usage_prompt), completion: Number(s.usage_completion), total: Number(s.usage_total) },
  ...(messages ? { messages: messages.map(messageView) } : {}),
});
