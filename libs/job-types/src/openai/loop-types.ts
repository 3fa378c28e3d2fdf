/** The tool loop's shapes: the agent interface's (agents/agent-call.ts), plus the model's token counts. */
import { NO_USAGE, ToolCallRecord, TurnOutcome, Usage } from '../agents/agent-call';

export { NO_USAGE, ToolCallRecord, Usage };

export type LoopStatus = TurnOutcome['status'];

/** What a tool loop reports: a session turn's outcome (the spec's Turn fields), for job tasks too. */
export type LoopResult = TurnOutcome;

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
