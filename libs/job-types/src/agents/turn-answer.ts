import type { OutboundError } from '@app/common/outbound';
import { turnError, TurnOutcome } from './agent-call';
import { isObject, readSpend } from './answer-fields';

const badResponse = (message: string): TurnOutcome => turnError('AGENT_BAD_RESPONSE', message);

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
  const spend = readSpend(body, 1);
  if (typeof spend === 'string') return badResponse(spend);
  let error: TurnOutcome['error'] = null;
  if (status === 'error') {
    const e = isObject(body.error) ? body.error : {};
    error = { code: String(e.code ?? 'AGENT_FAILED').slice(0, 100), message: String(e.message ?? 'the agent reported an error').slice(0, 5000) };
  }
  return { status, response, ...spend, error };
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
