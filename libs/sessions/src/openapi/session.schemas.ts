import { arrayOf, enumOf, EventStream, INTEGER, nullable, object, ref, refsTo, SchemaMap, TEXT, TIMESTAMP } from '@app/common';
import { jobTypeSchema } from '@app/job-types';

const sessionFields = {
  session_id: TEXT,
  org_id: TEXT,
  agent_type: TEXT,
  status: enumOf(['idle', 'busy']),
  active_turn_id: { type: ['string', 'null'] },
  created_at: TIMESTAMP,
  updated_at: TIMESTAMP,
  expires_at: { ...TIMESTAMP, description: 'The end of the last turn + ttl_hours' },
  ttl_hours: INTEGER,
  turn_count: INTEGER,
  usage: jobTypeSchema('Usage'),
} satisfies SchemaMap;

/** Sessions and their turns (session-views.ts). */
export const SESSION_SCHEMAS = {
  Turn: object({
    session_id: TEXT,
    turn_id: TEXT,
    agent_type: TEXT,
    status: enumOf(['running', 'complete', 'max_iterations_reached', 'error', 'canceled'], 'max_iterations_reached: `response` holds the partial answer'),
    response: { type: ['string', 'null'] },
    tool_calls: arrayOf(jobTypeSchema('ToolCall')),
    iterations: INTEGER,
    usage: jobTypeSchema('Usage'),
    error: { ...nullable(ref('AgentError')), description: 'status error: AGENT_UNAVAILABLE, AGENT_TIMEOUT, AGENT_BAD_RESPONSE or the agent\'s own code' },
    started_at: TIMESTAMP,
    finished_at: nullable(TIMESTAMP),
    expires_at: { ...nullable(TIMESTAMP), description: "The session's; null once the session was deleted" },
    cancel_reason: { type: ['string', 'null'] },
    canceled_by: { type: ['string', 'null'] },
  }),
  SessionMessage: object({
    role: enumOf(['user', 'assistant']),
    content: TEXT,
    turn_id: { type: ['string', 'null'] },
    job_id: { type: ['string', 'null'], description: 'Set on the brief and result a job in this session appended' },
    at: TIMESTAMP,
  }),
  Session: object(sessionFields),
  SessionWithMessages: object({ ...sessionFields, messages: arrayOf(ref('SessionMessage'), { description: 'Oldest first' }) }),
} satisfies SchemaMap;

export const sessionSchema = refsTo(SESSION_SCHEMAS);

/** A chat turn answered as server-sent events. */
export const TURN_EVENT_STREAM: EventStream = {
  'turn.started': { description: 'The turn, running', data: sessionSchema('Turn') },
  tool_call: { description: 'Each tool call as it finishes', data: jobTypeSchema('ToolCall') },
  'turn.completed': { description: 'The end (complete or max_iterations_reached): the stored turn', data: sessionSchema('Turn') },
  'turn.failed': { description: 'The end with status error', data: sessionSchema('Turn') },
  'turn.canceled': { description: 'The end when the turn was canceled', data: sessionSchema('Turn') },
};
