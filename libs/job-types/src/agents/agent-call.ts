import type { AgentOutcome, TaskContext } from '../agent-outcome';

/**
 * The calls an executor answers: a job's task or a session's turn. Both are the JSON body an
 * HTTP agent receives (`kind` tells them apart: a task's kind is initial | retry | follow_up).
 */
export type TaskCall = Omit<TaskContext, 'signal'> & { callback: { url: string; token: string } };

export interface SessionMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** The session-turn protocol's body (spec "Sessions"): `messages` is the history before `message`, oldest first. */
export interface TurnCall {
  kind: 'session_turn';
  session_id: string;
  turn_id: string;
  org_id: string;
  agent_type: string;
  message: string;
  context: Record<string, unknown>;
  max_iterations: number;
  config: Record<string, unknown>;
  messages: SessionMessage[];
}

/** What a builtin is given for a turn: the call and its abort signal. */
export interface TurnContext extends TurnCall {
  signal: AbortSignal;
}

export type AgentCall = TaskCall | TurnCall;

export interface ToolCallRecord {
  tool: string;
  status: string;
  duration_ms: number;
  error_code: string | null;
}

export interface Usage {
  prompt: number;
  completion: number;
  total: number;
}

export const NO_USAGE: Usage = { prompt: 0, completion: 0, total: 0 };

/** What an agent spent on one call (a task or a turn): `iterations` counts its model calls. */
export interface AgentSpend {
  usage: Usage;
  tool_calls: ToolCallRecord[];
  iterations: number;
}

export const NO_SPEND: AgentSpend = { usage: NO_USAGE, tool_calls: [], iterations: 0 };

/** What one turn of an agent produced; `response` holds the partial answer when max_iterations was reached. */
export interface TurnOutcome extends AgentSpend {
  status: 'complete' | 'max_iterations_reached' | 'error';
  response: string | null;
  error: { code: string; message: string } | null;
}

/** One outcome type per kind of call. */
export type OutcomeOf<C extends AgentCall> = C extends TurnCall ? TurnOutcome : AgentOutcome;

export interface AgentRunOptions {
  /** Aborts the call (cancel, timeout, shutdown); the caller then ignores what comes back. */
  signal: AbortSignal;
  /** Each tool call as it finishes (agents that report them only in their answer: in order, once it is in). */
  onToolCall?(call: ToolCallRecord): void;
  /** The call's time limit, if any (a job's max_time_to_complete): agents the service runs never retry past it. */
  deadline?: Date;
}

export const isTurn = (call: AgentCall): call is TurnCall => call.kind === 'session_turn';

/** A turn that ended in an error, with nothing else to show. */
export const turnError = (code: string, message: string): TurnOutcome => ({
  status: 'error', response: null, tool_calls: [], iterations: 0, usage: NO_USAGE, error: { code, message: message.slice(0, 5000) },
});

/** The failed outcome of `call`'s kind: a failed task, or a turn with status "error". */
export function failure<C extends AgentCall>(call: C, code: string, message: string): OutcomeOf<C> {
  const outcome = isTurn(call) ? turnError(code, message) : { status: 'failed', error: { code, message: message.slice(0, 5000) } };
  return outcome as OutcomeOf<C>;
}
