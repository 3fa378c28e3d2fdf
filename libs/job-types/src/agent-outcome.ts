import type { TurnContext, TurnOutcome } from './agents/agent-call';

/** What one task run of an agent produced; the same shape for HTTP agents and builtins. */
export type AgentOutcome =
  | { status: 'completed'; result: unknown }
  | { status: 'failed'; error: { code: string; message: string } }
  | { status: 'follow_up'; result: unknown; delay_seconds: number }
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
  /** Aborted when the job is canceled, times out, or the worker shuts down. */
  signal: AbortSignal;
}

/** An agent that ships with the service: it answers job tasks and session turns. */
export interface BuiltinAgent {
  readonly name: string;
  run(ctx: TaskContext): Promise<AgentOutcome>;
  turn(ctx: TurnContext): Promise<TurnOutcome>;
}
