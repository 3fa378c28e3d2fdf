import { OutboundError, SignedWebhookSender } from '@app/common/outbound';
import type { HttpToolSpec } from './openai-executor';
import { ToolError } from './tool-registry';

const FAILURE_CODES: Record<OutboundError['code'], string> = {
  TIMEOUT: 'TOOL_TIMEOUT',
  CONNECT_TIMEOUT: 'TOOL_UNREACHABLE',
  NETWORK_ERROR: 'TOOL_UNREACHABLE',
  URL_REFUSED: 'OUTBOUND_URL_REFUSED',
  INVALID_URL: 'OUTBOUND_URL_REFUSED',
  RESPONSE_TOO_LARGE: 'TOOL_RESPONSE_TOO_LARGE',
  INVALID_RESPONSE: 'TOOL_BAD_RESPONSE',
  ABORTED: 'ABORTED',
};

export interface HttpToolCall {
  /** webhook-id and idempotency-key: `<task or turn id>:<tool call id>`. */
  msgId: string;
  /** The job type's signing secrets (current first), as for its agent calls. */
  secrets: readonly string[];
  signal: AbortSignal;
}

/**
 * Calls an http tool: the arguments, exactly as checked against its parameters, are the JSON
 * body, POSTed by the one signed sender (Standard Webhooks signature with the job type's
 * secret, the outbound client's SSRF rules, timeout and size cap, no redirects). A 2xx JSON
 * body is the result; anything else is a ToolError the model is told about. An abort rejects
 * with the outbound client's ABORTED error.
 */
export async function callHttpTool(sender: SignedWebhookSender, tool: HttpToolSpec, args: Record<string, unknown>, call: HttpToolCall): Promise<string> {
  let res;
  try {
    res = await sender.post({
      url: tool.url, msgId: call.msgId, body: JSON.stringify(args), secrets: call.secrets,
      headers: { 'user-agent': 'agent-jobs-tools/1.0', 'idempotency-key': call.msgId },
      timeoutMs: tool.timeout_seconds * 1000, signal: call.signal,
    });
  } catch (err) {
    if (!(err instanceof OutboundError) || err.code === 'ABORTED') throw err;
    throw new ToolError(FAILURE_CODES[err.code], err.message);
  }
  const text = res.text();
  if (res.status < 200 || res.status >= 300) {
    throw new ToolError('TOOL_HTTP_ERROR', `the tool answered HTTP ${res.status}${text ? `: ${text.slice(0, 500)}` : ''}`);
  }
  try {
    JSON.parse(text);
  } catch {
    throw new ToolError('TOOL_BAD_RESPONSE', `the tool answered HTTP ${res.status} with a body that is not JSON`);
  }
  return text;
}
