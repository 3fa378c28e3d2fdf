import { performance } from 'node:perf_hooks';
import type { ChatCompletionTool } from 'openai/resources/chat/completions';
import { DomainError, FieldError } from '@app/common';
import { SecretBoxError } from '@app/common/crypto';
import type { SignedWebhookSender } from '@app/common/outbound';
import { callHttpTool } from './http-tool';
import type { ToolCallRecord } from './loop-types';
import type { ModelToolCall } from './model-client';
import type { ToolSpec } from './openai-executor';
import { ToolContext, ToolError, ToolRegistry } from './tool-registry';

/** A larger result is refused rather than cut (cut JSON is not JSON), so the model's context stays bounded. */
export const MAX_TOOL_RESULT_CHARS = 100_000;

export interface ToolOutput {
  /** The tool message's content: the result as JSON, or `{"error": {"code", "message"}}`. */
  content: string;
  record: ToolCallRecord;
}

/** The tools of one run: their definitions for the model, and how to run a call it asks for. */
export interface ToolBox {
  readonly definitions: ChatCompletionTool[];
  /** Never rejects for what a tool does (that is an error result); rejects only once `signal` has aborted. */
  run(call: ModelToolCall, signal: AbortSignal): Promise<ToolOutput>;
}

export interface ToolBoxDeps {
  validate(schema: object, value: unknown, prefix: string): FieldError[];
  registry: ToolRegistry;
  sender: SignedWebhookSender;
  /** The job type's signing secrets, read at the first http tool call (throws SecretBoxError when they do not open). */
  signingSecrets: () => readonly string[];
  /** Who the calls act for (the running job or turn). */
  context: Omit<ToolContext, 'tool_call_id' | 'signal'>;
  /** The task or turn id: http tool calls are signed with `<callId>:<tool call id>` as webhook-id. */
  callId: string;
  onUnexpected(tool: string, err: unknown): void;
}

interface ResolvedTool {
  name: string;
  description: string;
  parameters: object;
  invoke(args: Record<string, unknown>, toolCallId: string, signal: AbortSignal): Promise<string>;
}

export function buildToolBox(specs: ToolSpec[], deps: ToolBoxDeps): ToolBox {
  const tools = new Map<string, ResolvedTool>();
  for (const spec of specs) {
    if (spec.type === 'http') {
      tools.set(spec.name, {
        name: spec.name, description: spec.description, parameters: spec.parameters,
        invoke: (args, id, signal) => callHttpTool(deps.sender, spec, args, { msgId: `${deps.callId}:${id}`, secrets: deps.signingSecrets(), signal }),
      });
      continue;
    }
    const builtin = deps.registry.get(spec.name);
    if (!builtin) continue; // not registered in this process: a call to it is an unknown tool
    tools.set(spec.name, {
      name: builtin.name, description: builtin.description, parameters: builtin.parameters,
      invoke: async (args, id, signal) => JSON.stringify(await builtin.run(args, { ...deps.context, tool_call_id: id, signal }) ?? null),
    });
  }
  const definitions: ChatCompletionTool[] = [...tools.values()].map((t) => ({
    type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters as Record<string, unknown> },
  }));

  return {
    definitions,
    async run(call, signal) {
      const started = performance.now();
      const done = (content: string, errorCode: string | null): ToolOutput => ({
        content,
        record: { tool: call.name, status: errorCode ? 'error' : 'ok', duration_ms: Math.round(performance.now() - started), error_code: errorCode },
      });
      try {
        const tool = tools.get(call.name);
        if (!tool) throw new ToolError('UNKNOWN_TOOL', `there is no tool named ${JSON.stringify(call.name)}; the tools are: ${[...tools.keys()].join(', ') || 'none'}`);
        const args = parseArguments(call.arguments);
        const invalid = deps.validate(tool.parameters, args, 'arguments');
        if (invalid.length) throw new ToolError('INVALID_ARGUMENTS', invalid.map((e) => `${e.field} ${e.message}`).join('; ').slice(0, 2000));
        const content = await tool.invoke(args, call.id, signal);
        if (content.length > MAX_TOOL_RESULT_CHARS) throw new ToolError('TOOL_RESULT_TOO_LARGE', `the result has ${content.length} characters, more than the ${MAX_TOOL_RESULT_CHARS} allowed`);
        return done(content, null);
      } catch (err) {
        if (signal.aborted) throw err;
        const failure = asToolError(err);
        if (!failure) deps.onUnexpected(call.name, err);
        const { code, message } = failure ?? { code: 'TOOL_FAILED', message: 'the tool failed unexpectedly' };
        return done(JSON.stringify({ error: { code, message } }), code);
      }
    },
  };
}

/** The model's arguments text as an object; empty text is no arguments. */
function parseArguments(text: string): Record<string, unknown> {
  if (!text.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ToolError('INVALID_ARGUMENTS', 'the arguments are not valid JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ToolError('INVALID_ARGUMENTS', 'the arguments must be a JSON object');
  return value as Record<string, unknown>;
}

/** A failure the model may be told about as it is; null for an unexpected error (logged, told generically). */
function asToolError(err: unknown): ToolError | null {
  if (err instanceof ToolError) return err;
  if (err instanceof DomainError) {
    const fields = err.errors?.map((e) => `${e.field} ${e.message}`).join('; ');
    return new ToolError(err.code, `${err.message}${fields ? `: ${fields}` : ''}`.slice(0, 2000));
  }
  if (err instanceof SecretBoxError) return new ToolError('SIGNING_SECRET_UNREADABLE', "the job type's signing secret does not open: the tool was not called");
  return null;
}
