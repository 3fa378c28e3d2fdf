import { Injectable } from '@nestjs/common';
import { OutboundError, OutboundResponse, SignedWebhookSender } from '@app/common/outbound';
import type { AgentOutcome } from '../agent-outcome';
import type { HttpExecutor } from '../executor';

const FAILURE_CODES: Partial<Record<OutboundError['code'], string>> = {
  TIMEOUT: 'AGENT_TIMEOUT',
  CONNECT_TIMEOUT: 'AGENT_UNREACHABLE',
  NETWORK_ERROR: 'AGENT_UNREACHABLE',
  URL_REFUSED: 'OUTBOUND_URL_REFUSED',
  INVALID_URL: 'OUTBOUND_URL_REFUSED',
  RESPONSE_TOO_LARGE: 'AGENT_RESPONSE_TOO_LARGE',
};

const invalid = (message: string): AgentOutcome => ({ status: 'failed', error: { code: 'INVALID_AGENT_RESPONSE', message } });

/** Parses an agent's 200 body into an outcome; anything off-protocol is a failed task. */
export function parseAgentAnswer(body: unknown): AgentOutcome {
  if (!body || typeof body !== 'object') return invalid('the agent answered 200 without a JSON object');
  const b = body as Record<string, unknown>;
  if (b.status === 'completed') return { status: 'completed', result: b.result ?? null };
  if (b.status === 'follow_up') {
    const delay = b.delay_seconds ?? 0;
    if (!Number.isInteger(delay) || (delay as number) < 0 || (delay as number) > 86_400) return invalid('delay_seconds must be an integer from 0 to 86400');
    return { status: 'follow_up', result: b.result ?? null, delay_seconds: delay as number };
  }
  if (b.status === 'failed') {
    const e = (b.error ?? {}) as Record<string, unknown>;
    return { status: 'failed', error: { code: String(e.code ?? 'AGENT_FAILED').slice(0, 100), message: String(e.message ?? 'the agent reported a failure').slice(0, 5000) } };
  }
  return invalid('status must be "completed", "failed" or "follow_up"');
}

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
        return invalid('the agent answered 200 with a body that is not JSON');
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
