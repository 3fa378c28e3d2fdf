import * as http from 'node:http';
import type request from 'supertest';
import { signatureProblem } from './signature';
import type { TaskContext } from '../../libs/job-types/src/agent-outcome';
import { closeNow, listenLocally, readBody } from './local-http';

/**
 * A local HTTP agent that speaks the service's agent protocol (spec: "HTTP agent protocol"),
 * for end-to-end tests. One server, many behaviours, selected by the LAST path segment:
 *
 *   /complete                      200 {status:'completed', result:{echo: params}}
 *   /fail-then-complete?times=N    200 {status:'failed', error} N times per job_id, then completes
 *   /http-500                      always HTTP 500
 *   /bad-json                      200 with a body that is not JSON
 *   /sleep                         never answers; records when the caller aborts the request
 *   /sleep-first                   never answers the FIRST request of a job_id; completes later ones
 *   /async?delay_ms=N              202, then after N ms POSTs {status:'completed', result} to
 *                                  callback.url with `Authorization: Bearer <callback.token>`
 *   /accept                        202 and nothing else (the test reports on the callback itself)
 *   /follow-up?count=N             follow_up (delay_seconds 0) N times per job_id, then completes;
 *                                  without count: always follow_up (max_follow_ups caps it)
 *   /late-complete?after_ms=N      waits N ms then answers completed, even if the caller went away
 *   /scripted                      answers what the test's `script(path, fn)` says for each call
 *
 * Every request is verified with `standardwebhooks` against the signing secret registered for
 * the longest matching path prefix (see `endpoint()` / `registerSecret()`); a request whose
 * signature does not verify is recorded with `verified: false` and answered 401, as a real agent
 * would. Every request is recorded so tests can assert on what the agent saw.
 */

/** What the worker POSTs to an agent: the task context (less its abort signal) and the callback. */
export type AgentTaskBody = Omit<TaskContext, 'signal'> & { callback: { url: string; token: string } };

export interface RecordedCallback {
  at: number;
  status?: number;
  body?: unknown;
  error?: string;
}

export interface AgentRequest {
  /** Order of arrival, from 1. */
  seq: number;
  method: string;
  path: string;
  behaviour: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  /** The parsed body, or undefined when it was not JSON. */
  body?: AgentTaskBody;
  verified: boolean;
  verifyError?: string;
  receivedAt: number;
  /** What the agent answered (undefined while it has not answered). */
  answered?: { at: number; status: number; body: unknown };
  /** The caller went away before the agent answered (request aborted / socket closed). */
  aborted: boolean;
  abortedAt?: number;
  /** /late-complete: when the late answer was attempted and whether the socket was still open. */
  lateAnswer?: { at: number; socketOpen: boolean };
  /** /async: the agent's callback to the service and what the service answered. */
  callback?: RecordedCallback;
}

/** A scripted agent's answer to the n-th call of a job (HTTP status and JSON body). */
export type ScriptedAgent = (task: AgentTaskBody, n: number) => { status: number; body?: unknown };

/** Answers a recorded request once (later calls, or a closed socket, do nothing). */
export type Answer = (status: number, body?: unknown, raw?: string) => void;

export interface AgentServerOptions {
  /** Answer 401 to requests whose signature does not verify (default true, like a real agent). */
  rejectUnverified?: boolean;
}

export class AgentServer {
  readonly requests: AgentRequest[] = [];
  private server?: http.Server;
  private base = '';
  private readonly secrets = new Map<string, string>();
  private readonly counters = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly openResponses = new Set<http.ServerResponse>();
  private readonly scripts = new Map<string, ScriptedAgent>();
  private endpointSeq = 0;

  constructor(private readonly options: AgentServerOptions = {}) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      // A caller that goes away while the body is still being read must not crash the test run.
      this.handle(req, res).catch(() => res.destroy());
    });
    this.server.keepAliveTimeout = 5000;
    this.base = await listenLocally(this.server);
    return this;
  }

  get url(): string {
    return this.base;
  }

  /**
   * A fresh, unique URL for a behaviour, e.g. endpoint('fail-then-complete', { times: 2 })
   * -> http://127.0.0.1:PORT/e7/fail-then-complete?times=2. Register the job type's signing
   * secret for it with `registerSecret(endpoint.path, secret)`.
   */
  endpoint(behaviour: string, query: Record<string, string | number> = {}): { url: string; path: string } {
    const path = `/e${++this.endpointSeq}/${behaviour}`;
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
    return { path, url: `${this.base}${path}${qs ? `?${qs}` : ''}` };
  }

  /** The secret to verify requests to `pathPrefix` (the longest registered prefix wins). */
  registerSecret(pathPrefix: string, secret: string): void {
    this.secrets.set(pathPrefix, secret);
  }

  /** What a `/scripted` endpoint answers: `fn(task, n)`, n = the call's number for its job (from 1). */
  script(path: string, fn: ScriptedAgent): void {
    this.scripts.set(path, fn);
  }

  registerSecrets(map: Record<string, string>): void {
    for (const [p, s] of Object.entries(map)) this.registerSecret(p, s);
  }

  forJob(jobId: string): AgentRequest[] {
    return this.requests.filter((r) => r.body?.job_id === jobId);
  }

  forPath(pathPrefix: string): AgentRequest[] {
    return this.requests.filter((r) => r.path.startsWith(pathPrefix));
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    await closeNow(this.server);
  }

  private secretFor(path: string): string | undefined {
    let best: string | undefined;
    for (const prefix of this.secrets.keys()) {
      if (path.startsWith(prefix) && (!best || prefix.length > best.length)) best = prefix;
    }
    return best === undefined ? undefined : this.secrets.get(best);
  }

  protected later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private bump(key: string): number {
    const n = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, n);
    return n;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const u = new URL(req.url ?? '/', this.base);
    const rec: AgentRequest = {
      seq: this.requests.length + 1,
      method: req.method ?? 'GET',
      path: u.pathname,
      behaviour: u.pathname.split('/').filter(Boolean).pop() ?? '',
      query: u.searchParams,
      headers: req.headers,
      rawBody,
      verified: false,
      receivedAt: Date.now(),
      aborted: false,
    };
    try {
      rec.body = JSON.parse(rawBody) as AgentTaskBody;
    } catch {
      rec.body = undefined;
    }
    const problem = signatureProblem(this.secretFor(u.pathname), rawBody, req.headers);
    rec.verified = problem === null;
    if (problem) rec.verifyError = problem;
    this.requests.push(rec);

    res.on('close', () => {
      if (!res.writableFinished) {
        rec.aborted = true;
        rec.abortedAt = Date.now();
      }
    });

    const answer: Answer = (status: number, body?: unknown, raw?: string) => {
      if (res.destroyed || res.writableEnded) return;
      rec.answered = { at: Date.now(), status, body: raw ?? body };
      const text = raw ?? (body === undefined ? '' : JSON.stringify(body));
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };

    if (!rec.verified && this.options.rejectUnverified !== false) {
      return answer(401, { error: 'invalid signature', detail: rec.verifyError });
    }
    const task = rec.body;
    if (!task) return answer(400, { error: 'body is not JSON' });
    const num = (name: string, dflt: number) => {
      const v = u.searchParams.get(name);
      return v === null ? dflt : Number(v);
    };
    const completed = () => ({ status: 'completed', result: { echo: task.params } });

    switch (rec.behaviour) {
      case 'complete':
        return answer(200, completed());
      case 'fail-then-complete': {
        const n = this.bump(`${u.pathname}:${task.job_id}`);
        if (n <= num('times', 1)) {
          return answer(200, { status: 'failed', error: { code: 'AGENT_SAID_NO', message: `failure ${n} of ${num('times', 1)}` } });
        }
        return answer(200, completed());
      }
      case 'http-500':
        return answer(500, { error: 'internal agent error' });
      case 'bad-json':
        return answer(200, undefined, '{"status": "completed", "result": ');
      case 'sleep':
        return; // never answers; 'close' records the abort
      case 'sleep-first': {
        const n = this.bump(`${u.pathname}:${task.job_id}`);
        if (n === 1) return;
        return answer(200, completed());
      }
      case 'accept':
        return answer(202, { accepted: true });
      case 'async': {
        answer(202, { accepted: true });
        this.later(num('delay_ms', 0), () => void this.callBack(rec, task, { status: 'completed', result: { async: true, echo: task.params } }));
        return;
      }
      case 'follow-up': {
        const n = this.bump(`${u.pathname}:${task.job_id}`);
        const count = u.searchParams.has('count') ? num('count', 0) : Infinity;
        if (n > count) return answer(200, { status: 'completed', result: { call: n, final: true } });
        return answer(200, { status: 'follow_up', result: { call: n }, delay_seconds: 0 });
      }
      case 'scripted': {
        const fn = this.scripts.get(u.pathname);
        if (!fn) return answer(404, { error: `no script for ${u.pathname}` });
        const { status, body } = fn(task, this.bump(`${u.pathname}:${task.job_id}`));
        return answer(status, body);
      }
      case 'late-complete': {
        this.later(num('after_ms', 1000), () => {
          rec.lateAnswer = { at: Date.now(), socketOpen: !res.destroyed && !res.writableEnded };
          answer(200, { status: 'completed', result: { late: true } });
        });
        return;
      }
      default:
        if (this.otherBehaviour(rec, answer)) return;
        return answer(404, { error: `unknown behaviour '${rec.behaviour}'` });
    }
  }

  /** For servers that speak more protocols (test/support/session-agent.ts): true when it handled the request. */
  protected otherBehaviour(_rec: AgentRequest, _answer: Answer): boolean {
    return false;
  }

  /** Reports a result on the task's callback URL with its callback token, as an async agent does. */
  async callBack(rec: AgentRequest, task: AgentTaskBody, body: unknown): Promise<RecordedCallback> {
    const cb: RecordedCallback = { at: Date.now() };
    rec.callback = cb;
    try {
      const res = await fetch(task.callback.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${task.callback.token}` },
        body: JSON.stringify(body),
      });
      cb.status = res.status;
      const text = await res.text();
      try {
        cb.body = JSON.parse(text);
      } catch {
        cb.body = text;
      }
    } catch (err) {
      cb.error = (err as Error).message;
    }
    return cb;
  }
}

export async function startAgentServer(options: AgentServerOptions = {}): Promise<AgentServer> {
  return new AgentServer(options).start();
}

/**
 * Creates an HTTP job type whose agent is `behaviour` on this server (at a fresh path), and
 * registers the job type's signing secret (returned once by POST /services/job-types) for it.
 */
export async function createHttpJobType(
  t: { http: () => ReturnType<typeof request> },
  agent: AgentServer,
  auth: Record<string, string>,
  spec: {
    id: string;
    behaviour: string;
    query?: Record<string, string | number>;
    timeout_seconds?: number;
    default_config?: Record<string, unknown>;
    output_schema?: object;
    params_schema?: object;
  },
): Promise<{ id: string; url: string; path: string; signing_secret: string }> {
  const ep = agent.endpoint(spec.behaviour, spec.query);
  const res = await t.http().post('/services/job-types').set(auth).send({
    id: spec.id,
    name: spec.id,
    executor: { type: 'http', url: ep.url, ...(spec.timeout_seconds ? { timeout_seconds: spec.timeout_seconds } : {}) },
    ...(spec.default_config ? { default_config: spec.default_config } : {}),
    ...(spec.output_schema ? { output_schema: spec.output_schema } : {}),
    ...(spec.params_schema ? { params_schema: spec.params_schema } : {}),
  });
  if (res.status !== 201) throw new Error(`job type ${spec.id}: ${res.status} ${JSON.stringify(res.body)}`);
  const secret = res.body.data.signing_secret as string;
  if (typeof secret !== 'string' || !secret.startsWith('whsec_')) throw new Error(`job type ${spec.id}: no signing_secret in ${JSON.stringify(res.body.data)}`);
  agent.registerSecret(ep.path, secret);
  return { id: spec.id, url: ep.url, path: ep.path, signing_secret: secret };
}
