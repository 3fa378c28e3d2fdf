import { Injectable } from '@nestjs/common';
import { OutboundError, OutboundResponse, SignedWebhookSender } from '@app/common/outbound';
import type { AgentOutcome } from '../agent-outcome';
import type { HttpExecutor } from '../executor';
import { parseAgentAnswer } from './task-answer';

const FAILURE_CODES: Partial<Record<OutboundError['code'], string>> = {
  TIMEOUT: 'AGENT_TIMEOUT',
  CONNECT_TIMEOUT: 'AGENT_UNREACHABLE',
  NETWORK_ERROR: 'AGENT_UNREACHABLE',
  URL_REFUSED: 'OUTBOUND_URL_REFUSED',
  INVALID_URL: 'OUTBOUND_URL_REFUSED',
  RESPONSE_TOO_LARGE: 'AGENT_RESPONSE_TOO_LARGE',
};

/**
 * Calls an HTTP agent for one task through the one signed sender (Standard Webhooks headers,
 * the outbound client's SSRF rules, timeouts and size cap). `post` is the one place an agent
 * call (a task, or a session turn: HttpTurnRunner) is signed and sent.
 */
@Injectable()
export class HttpAgentClient {
  constructor(private readonly sender: SignedWebhookSender) {}

  /** `signingSecrets`: the job type's current secret, then the previous one during a rotation's grace (one signature each). */
  async call(executor: HttpExecutor, signingSecrets: string[], taskId: string, body: object, signal: AbortSignal): Promise<AgentOutcome> {
    try {
      const res = await this.post(executor, signingSecrets, taskId, body, signal);
      if (res.status === 202) return { status: 'accepted' };
      if (res.status < 200 || res.status >= 300) {
        return { status: 'failed', error: { code: 'AGENT_HTTP_ERROR', message: `the agent answered HTTP ${res.status}` } };
      }
      try {
        return parseAgentAnswer(res.json());
      } catch {
        return { status: 'failed', error: { code: 'INVALID_AGENT_RESPONSE', message: 'the agent answered 200 with a body that is not JSON' } };
      }
    } catch (err) {
      if (err instanceof OutboundError) {
        if (err.code === 'ABORTED') throw err;
        return { status: 'failed', error: { code: FAILURE_CODES[err.code] ?? 'AGENT_CALL_FAILED', message: err.message } };
      }
      throw err;
    }
  }

  /** Signed with the job type's secrets, with the executor's timeout; rejects with OutboundError (ABORTED when `signal` fires). */
  post(executor: HttpExecutor, signingSecrets: string[], callId: string, body: object, signal: AbortSignal): Promise<OutboundResponse> {
    // The call's id (task or turn) is the message id: an agent that sees it twice (a re-run after a crash) can dedupe.
    return this.sender.post({
      url: executor.url, msgId: callId, body: JSON.stringify(body), secrets: signingSecrets,
      headers: { 'idempotency-key': callId }, timeoutMs: executor.timeout_seconds * 1000, signal,
    });
  }
}
