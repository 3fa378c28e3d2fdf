/**
 * What a tool loop reports (the spec's Turn fields), the same shape for job tasks and session
 * turns. The session-turn interface (AgentCall) names the same shapes; merge the two into one.
 */
export interface Usage {
  prompt: number;
  completion: number;
  total: number;
}

export const NO_USAGE: Usage = { prompt: 0, completion: 0, total: 0 };

/** One tool call as the loop ran it: `status` ok or error, `error_code` null when ok. */
export interface ToolCallRecord {
  tool: string;
  status: 'ok' | 'error';
  duration_ms: number;
  error_code: string | null;
}

export type LoopStatus = 'complete' | 'max_iterations_reached' | 'error';

export interface LoopResult {
  status: LoopStatus;
  /** The answer; with max_iterations_reached or error, the last partial answer (or null). */
  response: string | null;
  tool_calls: ToolCallRecord[];
  /** Model calls made. */
  iterations: number;
  usage: Usage;
  error: { code: string; message: string } | null;
}

/** The model's token counts (OpenAI names), as every answer should carry them. */
export interface ModelUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
}

export function addUsage(sum: Usage, u: ModelUsage | null | undefined): Usage {
  if (!u) return sum;
  const prompt = count(u.prompt_tokens);
  const completion = count(u.completion_tokens);
  const total = u.total_tokens == null ? prompt + completion : count(u.total_tokens);
  return { prompt: sum.prompt + prompt, completion: sum.completion + completion, total: sum.total + total };
}

/** A server's count that is not a non-negative integer counts as 0 (a bad number never poisons the sums). */
const count = (n: number | null | undefined) => (Number.isSafeInteger(n) && (n as number) >= 0 ? (n as number) : 0);
