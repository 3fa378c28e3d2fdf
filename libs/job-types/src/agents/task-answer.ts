import type { AgentOutcome } from '../agent-outcome';
import { isObject, readSpend } from './answer-fields';

const invalid = (message: string): AgentOutcome => ({ status: 'failed', error: { code: 'INVALID_AGENT_RESPONSE', message } });

/**
 * An agent's answer to a task (its 200 body, or a body posted on the result route) as an
 * outcome; anything off-protocol is a failed task (INVALID_AGENT_RESPONSE, retried as any
 * failure). `usage`, `tool_calls` and `iterations` are optional and read as in a turn answer
 * (the same reader): a bad one makes the whole answer off-protocol, as it does a turn's.
 */
export function parseAgentAnswer(body: unknown): AgentOutcome {
  if (!isObject(body)) return invalid('the agent answered 200 without a JSON object');
  const spend = readSpend(body, 0);
  if (typeof spend === 'string') return invalid(spend);
  if (body.status === 'completed') return { status: 'completed', result: body.result ?? null, ...spend };
  if (body.status === 'follow_up') {
    const delay = body.delay_seconds ?? 0;
    if (!Number.isInteger(delay) || (delay as number) < 0 || (delay as number) > 86_400) return invalid('delay_seconds must be an integer from 0 to 86400');
    return { status: 'follow_up', result: body.result ?? null, delay_seconds: delay as number, ...spend };
  }
  if (body.status === 'failed') {
    const e = (body.error ?? {}) as Record<string, unknown>;
    return {
      status: 'failed', ...spend,
      error: { code: String(e.code ?? 'AGENT_FAILED').slice(0, 100), message: String(e.message ?? 'the agent reported a failure').slice(0, 5000) },
    };
  }
  return invalid('status must be "completed", "failed" or "follow_up"');
}
