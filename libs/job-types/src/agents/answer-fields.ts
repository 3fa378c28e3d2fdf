import { AgentSpend, NO_USAGE, ToolCallRecord, Usage } from './agent-call';

/**
 * The spend fields an agent's answer may carry, tasks and turns alike (spec "Sessions": usage,
 * tool_calls, iterations): one reader for both protocols. Each answers the value, or a string
 * naming what is off-protocol. The caps keep every count inside its column (bigint sums,
 * integer iterations), whatever an agent sends.
 */
export const MAX_TOOL_CALLS = 1000;
/** Tokens of one answer: far above any model's, far below a bigint sum's limit. */
export const MAX_TOKENS = 1_000_000_000_000;
export const MAX_ITERATIONS = 100_000;

export const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const isCount = (v: unknown, max: number): v is number => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= max;

export function readToolCalls(value: unknown): ToolCallRecord[] | string {
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

/** `total` defaults to prompt + completion; each count is an integer from 0 to MAX_TOKENS. */
export function readUsage(value: unknown): Usage | string {
  if (value === undefined || value === null) return NO_USAGE;
  if (!isObject(value)) return 'usage must be an object {prompt, completion, total}';
  const prompt = value.prompt ?? 0;
  const completion = value.completion ?? 0;
  if (!isCount(prompt, MAX_TOKENS) || !isCount(completion, MAX_TOKENS)) return `usage.prompt and usage.completion must be integers from 0 to ${MAX_TOKENS}`;
  const total = value.total ?? prompt + completion;
  if (!isCount(total, 2 * MAX_TOKENS)) return `usage.total must be an integer from 0 to ${2 * MAX_TOKENS}`;
  return { prompt, completion, total };
}

export function readIterations(value: unknown, absent: number): number | string {
  const iterations = value ?? absent;
  return isCount(iterations, MAX_ITERATIONS) ? iterations : `iterations must be an integer from 0 to ${MAX_ITERATIONS}`;
}

/** The three fields of an answer, or what is off-protocol; `absentIterations` when it says nothing. */
export function readSpend(body: Record<string, unknown>, absentIterations: number): AgentSpend | string {
  const toolCalls = readToolCalls(body.tool_calls);
  if (typeof toolCalls === 'string') return toolCalls;
  const usage = readUsage(body.usage);
  if (typeof usage === 'string') return usage;
  const iterations = readIterations(body.iterations, absentIterations);
  if (typeof iterations === 'string') return iterations;
  return { usage, tool_calls: toolCalls, iterations };
}
