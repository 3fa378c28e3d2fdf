import * as http from 'node:http';
import type request from 'supertest';
import { closeNow, listenLocally, readBody } from './local-http';

/**
 * A local server that speaks the OpenAI Chat Completions protocol (POST <base>/chat/completions,
 * JSON in, JSON out, `usage` in every answer), for end-to-end tests of openai executors.
 *
 * Each `script(...)` gets a base URL of its own (`/s<n>/v1`, the executor's base_url) and a
 * queue of answers consumed one per request: plain text, tool calls (one, several, in one
 * answer for parallel calls), JSON content, an HTTP status (429 with Retry-After, 500, 401,
 * 404...), `hang` (never answers until `release()`; the request's abort is recorded), or `after`
 * (holds the request until a promise the test controls settles, then answers `answer`). An
 * answer may also be a function of the request. An empty queue answers 500 "script exhausted".
 * Every request is recorded (headers and parsed body) for assertions.
 */

export interface ScriptedToolCall {
  id: string;
  name: string;
  /** An object is sent as its JSON text; a string as it is (e.g. invalid JSON). */
  arguments: object | string;
}

export type ScriptedAnswer =
  | { text: string; usage?: TokenUsage }
  | { tool_calls: ScriptedToolCall[]; text?: string | null; usage?: TokenUsage }
  | { json: unknown; usage?: TokenUsage }
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | { hang: true }
  | { after: Promise<unknown>; answer: Exclude<ScriptedAnswer, { after: Promise<unknown> }> };

export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ChatRequest {
  seq: number;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: {
    model: string;
    messages: Array<{ role: string; content: string | null; tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>; tool_call_id?: string }>;
    tools?: Array<{ type: string; function: { name: string; description?: string; parameters?: object } }>;
    temperature?: number;
    response_format?: { type: string; json_schema?: { name: string; schema: object; strict?: boolean } };
    [key: string]: unknown;
  };
  receivedAt: number;
  /** The HTTP status answered; undefined while hanging. */
  answered?: number;
  /** The client went away before an answer (a canceled call). */
  aborted: boolean;
}

export const DEFAULT_USAGE: TokenUsage = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 };

export class ModelScript {
  readonly requests: ChatRequest[] = [];
  constructor(readonly baseUrl: string, readonly answers: Array<ScriptedAnswer | ((req: ChatRequest) => ScriptedAnswer)>) {}

  /** The recorded requests' i-th message lists, for order checks. */
  messages(i: number) {
    return this.requests[i].body.messages;
  }
}

export class OpenAiServer {
  private server?: http.Server;
  private base = '';
  private readonly scripts = new Map<string, ModelScript>();
  private readonly hanging = new Set<http.ServerResponse>();
  private seq = 0;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res).catch(() => res.destroy()));
    this.base = await listenLocally(this.server);
    return this;
  }

  /** A fresh base URL with these answers in order. */
  script(...answers: Array<ScriptedAnswer | ((req: ChatRequest) => ScriptedAnswer)>): ModelScript {
    const prefix = `/s${++this.seq}`;
    const script = new ModelScript(`${this.base}${prefix}/v1`, answers);
    this.scripts.set(prefix, script);
    return script;
  }

  /** Ends every hanging answer (a test that is done with them). */
  release(): void {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }

  async close(): Promise<void> {
    this.release();
    await closeNow(this.server);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', this.base).pathname;
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
      res.end(text);
    };
    const match = /^(\/s\d+)\/v1\/chat\/completions$/.exec(path);
    const script = match && this.scripts.get(match[1]);
    if (req.method !== 'POST' || !script) return send(404, { error: { message: `no such route: ${req.method} ${path}`, type: 'invalid_request_error' } });

    const rec: ChatRequest = {
      seq: script.requests.length + 1, path, headers: req.headers, body: JSON.parse(raw), receivedAt: Date.now(), aborted: false,
    };
    script.requests.push(rec);
    res.on('close', () => {
      this.hanging.delete(res);
      if (!res.writableFinished) rec.aborted = true;
    });
    const next = script.answers.shift();
    let answer = typeof next === 'function' ? next(rec) : next;
    if (answer && 'after' in answer) {
      const held = answer;
      await held.after;
      answer = held.answer;
    }
    if (!answer) {
      rec.answered = 500;
      return send(500, { error: { message: 'script exhausted', type: 'server_error' } });
    }
    if ('hang' in answer) {
      this.hanging.add(res);
      return;
    }
    if ('status' in answer) {
      rec.answered = answer.status;
      return send(answer.status, answer.body ?? { error: { message: `scripted HTTP ${answer.status}`, type: 'scripted' } }, answer.headers);
    }
    rec.answered = 200;
    const message = 'tool_calls' in answer
      ? {
          role: 'assistant', content: answer.text ?? null,
          tool_calls: answer.tool_calls.map((c) => ({
            id: c.id, type: 'function', function: { name: c.name, arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments) },
          })),
        }
      : { role: 'assistant', content: 'json' in answer ? JSON.stringify(answer.json) : answer.text };
    send(200, {
      id: `chatcmpl-${script.requests.length}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: rec.body.model,
      choices: [{ index: 0, message, finish_reason: 'tool_calls' in answer ? 'tool_calls' : 'stop' }],
      usage: answer.usage ?? DEFAULT_USAGE,
    });
  }
}

export async function startOpenAiServer(): Promise<OpenAiServer> {
  return new OpenAiServer().start();
}

/**
 * Creates a job type whose executor is an openai executor on `script`'s base URL (expects 201) and answers
 * its signing secret (http tools verify their calls with it).
 */
export async function createOpenAiJobType(
  t: { http: () => ReturnType<typeof request> },
  auth: Record<string, string>,
  spec: { id: string; script: Pick<ModelScript, 'baseUrl'>; executor?: Record<string, unknown>; output_schema?: object; default_config?: Record<string, unknown> },
): Promise<{ id: string; signing_secret: string; body: Record<string, unknown> }> {
  const res = await t.http().post('/services/job-types').set(auth).send({
    id: spec.id, name: spec.id,
    executor: { type: 'openai', base_url: spec.script.baseUrl, model: `model-${spec.id}`, ...spec.executor },
    ...(spec.output_schema ? { output_schema: spec.output_schema } : {}),
    ...(spec.default_config ? { default_config: spec.default_config } : {}),
  });
  if (res.status !== 201) throw new Error(`job type ${spec.id}: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: spec.id, signing_secret: res.body.data.signing_secret, body: res.body };
}
