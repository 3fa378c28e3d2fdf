import type { AgentSpend, SessionMessage, TurnContext, TurnOutcome } from './agents/agent-call';

/**
 * What one task run of an agent produced; the same shape for every executor. An answer may say
 * what it spent (usage, tool_calls, iterations: stored on the task, summed on the job); left out, nothing.
 */
export type AgentOutcome =
  | ({ status: 'completed'; result: unknown } & Partial<AgentSpend>)
  | ({ status: 'failed'; error: { code: string; message: string } } & Partial<AgentSpend>)
  | ({ status: 'follow_up'; result: unknown; delay_seconds: number } & Partial<AgentSpend>)
  | { status: 'accepted' }; // HTTP 202: the agent reports later on the result route

export interface TaskContext {
  org_id: string;
  job_id: string;
  task_id: string;
  kind: 'initial' | 'retry' | 'follow_up';
  attempt: number;
  job_type_id: string;
  params: Record<string, unknown>;
  config: Record<string, unknown>;
  target_channel: Record<string, unknown>;
  metadata: Record<string, unknown> | null;
  previous_tasks: Array<Record<string, unknown>>;
  /** The session the job runs in (spec "Sessions"), or null; `messages` its history when the task started, oldest first ([] outside one). */
  session_id: string | null;
  messages: SessionMessage[];
  /** Aborted when the job is canceled, times out, or the worker shuts down. */
  signal: AbortSignal;
}

/** An agent that ships with the service: it answers job tasks and session turns. */
export interface BuiltinAgent {
  readonly name: string;
  run(ctx: TaskContext): Promise<AgentOutcome>;
  turn(ctx: TurnContext): Promise<TurnOutcome>;
}
