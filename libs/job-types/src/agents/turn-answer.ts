import type { OutboundError } from '@app/common/outbound';
import { NO_USAGE, ToolCallRecord, turnError, TurnOutcome, Usage } from './agent-call';

const MAX_TOOL_CALLS = 1000;

const badResponse = (message: string): TurnOutcome => turnError('AGENT_BAD_RESPONSE', message);

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

function readToolCalls(value: unknown): ToolCallRecord[] | string {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > MAX_TOOL_CALLS) return `tool_calls must be an array of at most ${MAX_TOOL_CALLS} calls`;
  const calls: ToolCallRecord[] = [];
  for (const [i, c] of value.entries()) {
    if (!isObject(c) || typeof c.tool !== 'string' || !c.tool || c.tool.length > 200) return `tool_calls.${i}.tool must be a name (1-200 characters)`;
    if (typeof c.status !== 'string' || !c.status || c.status.length > 50) return `tool_calls.${i}.status must be text (1-50 characters)`;
    const duration = c.duration_ms ?? 0;
    if (typeof duration !== 'number' || !Number.isFinite(duration) || duration < 0) return `tool_calls.${i}.duration_ms must be a number >= 0`;
    const code = c.error_code ?? null;
    if (code !== null && (typeof code !== 'string' || code.length > 100)) return `tool_calls.${i}.error_code must be text (at most 100 characters) or null`;
    calls.push({ tool: c.tool, status: c.status, duration_ms: duration, error_code: code });
  }
  return calls;
}

function readUsage(value: unknown): Usage | string {
  if (value === undefined || value === null) return NO_USAGE;
  if (!isObject(value)) return 'usage must be an object {prompt, completion, total}';
  const prompt = value.prompt ?? 0;
  const completion = value.completion ?? 0;
  if (!isCount(prompt) || !isCount(completion)) return 'usage.prompt and usage.completion must be integers >= 0';
  const total = value.total ?? prompt + completion;
  if (!isCount(total)) return 'usage.total must be an integer >= 0';
  return { prompt, completion, total };
}

/**
 * An agent's 200 answer to a session turn as a TurnOutcome; anything off-protocol is a turn
 * with status "error" and AGENT_BAD_RESPONSE naming what is wrong. `iterations` defaults to 1.
 */
export function readTurnAnswer(body: unknown): TurnOutcome {
  if (!isObject(body)) return badResponse('the agent answered 200 without a JSON object');
  const { status } = body;
  if (status !== 'complete' && status !== 'max_iterations_reached' && status !== 'error') {
    return badResponse('status must be "complete", "max_iterations_reached" or "error"');
  }
  const response = body.response ?? null;
  if (response !== null && typeof response !== 'string') return badResponse('response must be a string');
  if (status !== 'error' && response === null) return badResponse(`a "${status}" answer needs a response`);
  const toolCalls = readToolCalls(body.tool_calls);
  if (typeof toolCalls === 'string') return badResponse(toolCalls);
  const usage = readUsage(body.usage);
  if (typeof usage === 'string') return badResponse(usage);
  const iterations = body.iterations ?? 1;
  if (!isCount(iterations)) return badResponse('iterations must be an integer >= 0');
  let error: TurnOutcome['error'] = null;
  if (status === 'error') {
    const e = isObject(body.error) ? body.error : {};
    error = { code: String(e.code ?? 'AGENT_FAILED').slice(0, 100), message: String(e.message ?? 'the agent reported an error').slice(0, 5000) };
  }
  return { status, response, tool_calls: toolCalls, iterations, usage, error };
}

/**
 * Why a turn's HTTP call failed, in the session-turn protocol's codes: the executor's timeout
 * is AGENT_TIMEOUT, an answer too large to read AGENT_BAD_RESPONSE, anything that kept the agent
 * from answering (connect, network, a URL the outbound rules refuse) AGENT_UNAVAILABLE.
 */
export function turnCallFailure(err: OutboundError): TurnOutcome['error'] & object {
  if (err.code === 'TIMEOUT') return { code: 'AGENT_TIMEOUT', message: err.message };
  if (err.code === 'RESPONSE_TOO_LARGE' || err.code === 'INVALID_RESPONSE') return { code: 'AGENT_BAD_RESPONSE', message: err.message };
  return { code: 'AGENT_UNAVAILABLE', message: err.message };
}
