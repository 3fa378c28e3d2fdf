import OpenAI, { type ClientOptions } from 'openai';
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs, outboundFetch, OutboundHttpClient } from '@app/common/outbound';
import type { ModelUsage } from './loop-types';
import { classifyModelError, ModelError } from './model-errors';

export interface ModelEndpoint {
  base_url: string;
  model: string;
  /** Null: no Authorization header at all (local servers often want none). */
  api_key: string | null;
  temperature: number | null;
  timeout_seconds: number;
}

export interface ModelRetryPolicy {
  /** The first retry's step; it doubles for each next one (the one backoff, with jitter). */
  baseMs: number;
  maxRetries: number;
}

export interface ModelRequest {
  messages: ChatCompletionMessageParam[];
  tools: ChatCompletionTool[];
  response_format?: ChatCompletionCreateParamsNonStreaming['response_format'];
}

export interface ModelToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** The part of an answer the loop reads: its text, the tool calls it asks for, its token counts. */
export interface ModelAnswer {
  content: string | null;
  tool_calls: ModelToolCall[];
  usage: ModelUsage | null;
}

export interface ModelCaller {
  complete(request: ModelRequest, signal: AbortSignal): Promise<ModelAnswer>;
}

/**
 * One model server as the official openai SDK reaches it, with our transport: every request goes
 * through the outbound client (SSRF rules at connect time, timeout, size cap, no redirects) by
 * the SDK's `fetch` option. The SDK does not retry (maxRetries 0): 429 (after its Retry-After)
 * and 5xx are retried here with the one backoff, and never past `deadline` (the task's time
 * limit). Every failure is a ModelError with the task's or turn's error code.
 */
export class ModelClient implements ModelCaller {
  private readonly sdk: OpenAI;
  private readonly host: string;
  /** The outbound client's error of the current call: the SDK hides it behind APIConnectionError. */
  private transportError: unknown;

  constructor(
    outbound: OutboundHttpClient,
    private readonly endpoint: ModelEndpoint,
    private readonly retry: ModelRetryPolicy,
    private readonly deadline?: number,
  ) {
    this.host = new URL(endpoint.base_url).host;
    const timeoutMs = endpoint.timeout_seconds * 1000;
    // A chat completion has no effect but its cost: re-sending it on a fresh connection is safe.
    const transport = outboundFetch(outbound, { timeoutMs, mayResend: () => true });
    const fetch = async (url: string | URL, init?: Parameters<typeof transport>[1]) => {
      try {
        return await transport(url, init);
      } catch (err) {
        this.transportError = err;
        throw err;
      }
    };
    this.sdk = new OpenAI({
      baseURL: endpoint.base_url,
      // The SDK insists on a key; without one its Authorization header is removed below.
      apiKey: endpoint.api_key ?? 'no-key',
      defaultHeaders: endpoint.api_key === null ? { Authorization: null } : undefined,
      organization: null,
      project: null,
      maxRetries: 0,
      // The outbound client's own timeout answers first, with a clear error.
      timeout: timeoutMs + 5000,
      logLevel: 'off',
      // The adapter implements what the SDK uses of fetch (headers, text, json), not all of WHATWG fetch.
      fetch: fetch as unknown as ClientOptions['fetch'],
    });
  }

  async complete(request: ModelRequest, signal: AbortSignal): Promise<ModelAnswer> {
    for (let retry = 1; ; retry++) {
      this.transportError = undefined;
      try {
        return readAnswer(await this.sdk.chat.completions.create(this.body(request), { signal }), this.host);
      } catch (err) {
        const failure = classifyModelError(err, this.transportError, this.host, (s) => this.redact(s));
        if (!failure.retryable || retry > this.retry.maxRetries) throw new ModelError(failure.code, failure.message);
        const waitMs = failure.retryAfterMs ?? backoffMs(retry, { baseMs: this.retry.baseMs, maxStepMs: 30_000 });
        if (this.deadline !== undefined && Date.now() + waitMs >= this.deadline) {
          throw new ModelError(failure.code, `${failure.message} (no retry: the time limit comes first)`);
        }
        await sleep(waitMs, undefined, { signal }).catch(() => {
          throw new ModelError('ABORTED', 'aborted');
        });
      }
    }
  }

  private body(request: ModelRequest): ChatCompletionCreateParamsNonStreaming {
    return {
      model: this.endpoint.model,
      messages: request.messages,
      ...(request.tools.length ? { tools: request.tools } : {}),
      ...(this.endpoint.temperature !== null ? { temperature: this.endpoint.temperature } : {}),
      ...(request.response_format ? { response_format: request.response_format } : {}),
    };
  }

  /** A server may echo the key in an error: it never reaches a task's error or a log. */
  private redact(text: string): string {
    const key = this.endpoint.api_key;
    return key ? text.split(key).join('[redacted]') : text;
  }
}

function readAnswer(completion: unknown, host: string): ModelAnswer {
  const c = completion as { choices?: Array<{ message?: Record<string, unknown> }>; usage?: ModelUsage | null } | null;
  const message = c?.choices?.[0]?.message;
  if (!message || typeof message !== 'object') {
    throw new ModelError('AGENT_BAD_RESPONSE', `the model server at ${host} answered without choices[0].message`);
  }
  const calls = Array.isArray(message.tool_calls) ? (message.tool_calls as Array<Record<string, any>>) : [];
  return {
    content: typeof message.content === 'string' ? message.content : null,
    tool_calls: calls.map((call, i) => ({
      id: typeof call.id === 'string' ? call.id : `call_${i}`,
      // A custom (non-function) tool call names no function: the loop answers it as an unknown tool.
      name: String(call.function?.name ?? call.custom?.name ?? ''),
      arguments: String(call.function?.arguments ?? call.custom?.input ?? ''),
    })),
    usage: c?.usage ?? null,
  };
}
