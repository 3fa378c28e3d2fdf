import { Injectable } from '@nestjs/common';
import { OutboundError, OutboundResponse } from '@app/common/outbound';
import type { HttpExecutor } from '../executor';
import { AgentRunOptions, failure, TurnCall, TurnOutcome } from './agent-call';
import { HttpAgentClient } from './http-agent.client';
import { readTurnAnswer, turnCallFailure } from './turn-answer';

/**
 * The session-turn protocol over HTTP: the turn is signed and posted like a task (webhook-id =
 * turn id, the executor's timeout); it is answered with 200 and a turn answer, and every
 * failure is a turn with status "error". An aborted call rejects with OutboundError ABORTED.
 */
@Injectable()
export class HttpTurnRunner {
  constructor(private readonly http: HttpAgentClient) {}

  async run(executor: HttpExecutor, signingSecrets: string[], call: TurnCall, options: AgentRunOptions): Promise<TurnOutcome> {
    let res: OutboundResponse;
    try {
      res = await this.http.post(executor, signingSecrets, call.turn_id, call, options.signal);
    } catch (err) {
      if (!(err instanceof OutboundError) || err.code === 'ABORTED') throw err;
      const { code, message } = turnCallFailure(err);
      return failure(call, code, message);
    }
    if (res.status < 200 || res.status >= 300) return failure(call, 'AGENT_UNAVAILABLE', `the agent answered HTTP ${res.status}`);
    if (res.status !== 200) return failure(call, 'AGENT_BAD_RESPONSE', `the agent answered HTTP ${res.status}; a turn is answered with 200`);
    let body: unknown;
    try {
      body = res.json();
    } catch {
      return failure(call, 'AGENT_BAD_RESPONSE', 'the agent answered 200 with a body that is not JSON');
    }
    // This protocol reports tool calls with the answer: they are passed on in order, once it is in.
    const outcome = readTurnAnswer(body);
    outcome.tool_calls.forEach((c) => options.onToolCall?.(c));
    return outcome;
  }
}
