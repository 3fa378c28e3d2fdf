import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { addUsage, LoopResult, NO_USAGE, ToolCallRecord, Usage } from './loop-types';
import type { ModelCaller, ModelRequest, ModelToolCall } from './model-client';
import { ModelError } from './model-errors';
import type { ToolBox, ToolOutput } from './tool-box';

/** Calls past this many in one answer are not run (each is answered with an error, as the protocol wants every call answered). */
export const MAX_TOOL_CALLS_PER_ANSWER = 32;

export interface AgentLoopInput {
  model: ModelCaller;
  tools: ToolBox;
  /** The conversation so far (system, history, the new user message). */
  messages: ChatCompletionMessageParam[];
  /** Most model calls. */
  maxIterations: number;
  responseFormat?: ModelRequest['response_format'];
  /** Cancel, time limit or shutdown: the model call and the tool calls in flight are aborted. */
  signal: AbortSignal;
  /** Each tool call as it finishes (a streamed turn sends it at once). */
  onToolCall?(record: ToolCallRecord): void;
}

export interface AgentLoopResult extends LoopResult {
  /** The whole conversation, the model's answers and the tool results included. */
  messages: ChatCompletionMessageParam[];
}

/**
 * The tool loop (in the spirit of openai-agents-js's Runner): call the model with the
 * conversation and the tools; run every tool call of its answer concurrently; feed the results
 * back in the calls' order; repeat until an answer without tool calls (`complete`) or
 * `maxIterations` model calls (`max_iterations_reached`, with the last partial answer). A tool
 * that fails is an error result and the loop goes on; a model call that fails ends it (`error`).
 */
export async function runAgentLoop(input: AgentLoopInput): Promise<AgentLoopResult> {
  const messages = [...input.messages];
  const toolCalls: ToolCallRecord[] = [];
  let usage: Usage = NO_USAGE;
  let iterations = 0;
  let partial: string | null = null;
  const end = (status: LoopResult['status'], response: string | null, error: LoopResult['error'] = null): AgentLoopResult =>
    ({ status, response, tool_calls: toolCalls, iterations, usage, error, messages });

  while (iterations < input.maxIterations) {
    let answer;
    try {
      answer = await input.model.complete({ messages, tools: input.tools.definitions, response_format: input.responseFormat }, input.signal);
    } catch (err) {
      if (!(err instanceof ModelError)) throw err;
      return end('error', partial, { code: err.code, message: err.message });
    }
    iterations += 1;
    usage = addUsage(usage, answer.usage);
    if (answer.content) partial = answer.content;
    if (!answer.tool_calls.length) return end('complete', answer.content ?? '');

    messages.push({
      role: 'assistant',
      content: answer.content,
      tool_calls: answer.tool_calls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })),
    });
    let outputs: ToolOutput[];
    try {
      outputs = await Promise.all(answer.tool_calls.map(async (call, i) => {
        const output = i < MAX_TOOL_CALLS_PER_ANSWER ? await input.tools.run(call, input.signal) : tooMany(call);
        input.onToolCall?.(output.record);
        return output;
      }));
    } catch (err) {
      if (!input.signal.aborted) throw err;
      return end('error', partial, { code: 'ABORTED', message: 'aborted' });
    }
    outputs.forEach((output, i) => messages.push({ role: 'tool', tool_call_id: answer.tool_calls[i].id, content: output.content }));
    toolCalls.push(...outputs.map((o) => o.record));
  }
  return end('max_iterations_reached', partial);
}

function tooMany(call: ModelToolCall): ToolOutput {
  const error = { code: 'TOO_MANY_TOOL_CALLS', message: `only the first ${MAX_TOOL_CALLS_PER_ANSWER} tool calls of one answer are run` };
  return { content: JSON.stringify({ error }), record: { tool: call.name, status: 'error', duration_ms: 0, error_code: error.code } };
}
