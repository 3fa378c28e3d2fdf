import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { AgentOutcome } from '../agent-outcome';
import type { AgentSpend, SessionMessage } from '../agents/agent-call';
import type { LoopResult } from './loop-types';
import type { OpenAiExecutor } from './openai-executor';

export interface TaskInput {
  kind: 'initial' | 'retry' | 'follow_up';
  params: Record<string, unknown>;
  config: { start_prompt?: string | null };
  previous_tasks: Array<Record<string, unknown>>;
}

export interface TurnInput {
  history: SessionMessage[];
  message: string;
  context: Record<string, unknown>;
  config?: { start_prompt?: string | null };
}

/** A task's outcome with what the loop spent (stored on the task, summed on the job). */
export type OpenAiTaskOutcome = AgentOutcome & AgentSpend;

/**
 * One system message: the executor's system_prompt, then the job's start_prompt. One, not two,
 * because some servers' chat templates (vLLM, Ollama) refuse a second system message.
 */
function system(executor: OpenAiExecutor, startPrompt: string | null | undefined): ChatCompletionMessageParam[] {
  const text = [executor.system_prompt, startPrompt].filter((p): p is string => !!p).join('\n\n');
  return text ? [{ role: 'system', content: text }] : [];
}

/** A job task: system prompt, session history (if any), then the params (and previous_tasks for a follow-up) as JSON. */
export function taskConversation(executor: OpenAiExecutor, task: TaskInput, history: SessionMessage[] = []): ChatCompletionMessageParam[] {
  const brief = task.kind === 'follow_up' ? { params: task.params, previous_tasks: task.previous_tasks } : { params: task.params };
  return [...system(executor, task.config.start_prompt), ...history, { role: 'user', content: JSON.stringify(brief) }];
}

/** A session turn: system prompt, the history, the turn's context (if any), then its message. */
export function turnConversation(executor: OpenAiExecutor, turn: TurnInput): ChatCompletionMessageParam[] {
  const context: ChatCompletionMessageParam[] = Object.keys(turn.context).length
    ? [{ role: 'system', content: `Context of this turn (JSON): ${JSON.stringify(turn.context)}` }]
    : [];
  return [...system(executor, turn.config?.start_prompt), ...turn.history, ...context, { role: 'user', content: turn.message }];
}

/** With an output_schema the model is asked for JSON fitting it. */
export function responseFormat(outputSchema: object | null): ChatCompletionCreateParamsNonStreaming['response_format'] | undefined {
  if (!outputSchema) return undefined;
  return { type: 'json_schema', json_schema: { name: 'result', schema: outputSchema as Record<string, unknown>, strict: false } };
}

/**
 * A job task's outcome: the parsed JSON with an output_schema (the task outcome rules then check
 * it fits), otherwise `{response, tool_calls, iterations, usage}`. No final answer within
 * max_iterations fails the task (MAX_ITERATIONS_REACHED, retried as any failure).
 */
export function taskOutcome(loop: LoopResult, outputSchema: object | null): OpenAiTaskOutcome {
  const extras = { usage: loop.usage, tool_calls: loop.tool_calls, iterations: loop.iterations };
  if (loop.status === 'error') return { status: 'failed', error: loop.error!, ...extras };
  if (loop.status === 'max_iterations_reached') {
    const partial = loop.response ? `; the last partial answer: ${loop.response}` : '';
    const message = `no answer without tool calls after ${loop.iterations} model calls (max_iterations)${partial}`.slice(0, 5000);
    return { status: 'failed', error: { code: 'MAX_ITERATIONS_REACHED', message }, ...extras };
  }
  if (!outputSchema) return { status: 'completed', result: { response: loop.response, ...extras }, ...extras };
  try {
    return { status: 'completed', result: JSON.parse(unfenced(loop.response ?? '')), ...extras };
  } catch {
    return { status: 'failed', error: { code: 'OUTPUT_SCHEMA_MISMATCH', message: 'the model was asked for JSON (output_schema) and answered text that is not JSON' }, ...extras };
  }
}

/** JSON in a Markdown code fence (```json ... ```), as smaller local models often write it, is still JSON. */
function unfenced(text: string): string {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/i.exec(text);
  return fenced ? fenced[1] : text;
}
