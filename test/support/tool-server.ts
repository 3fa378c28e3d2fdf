import * as http from 'node:http';
import { closeNow, listenLocally, readBody } from './local-http';
import { signatureProblem } from './signature';

/**
 * A local receiver for openai executors' http tools. Each request is verified with the
 * `standardwebhooks` package (signature.ts) against the secret registered for its path
 * (`setSecret`), as a tool should, and recorded. Behaviour by the path's last segment (see `endpoint()`):
 *
 *   echo           200 {"echo": <arguments>, "path": ...}
 *   barrier?n=N    holds every request until N have arrived at this path, then answers each
 *                  200 {"echo": <arguments>, "arrived_together": N}: only calls made
 *                  concurrently can get through (sequential ones would wait for good)
 *   not-json       200 with a text body
 *   fail           500 {"error": "boom"}
 *   hang           never answers (the request's `aborted` tells whether the service gave up on it)
 *
 * A request whose signature does not verify is answered 401, as a real tool would.
 */

export interface ToolRequest {
  path: string;
  behaviour: string;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  body?: unknown;
  verified: boolean;
  verifyError?: string;
  answered?: number;
  /** The client closed the request before an answer (a tool timeout or a cancel on the service's side). */
  aborted: boolean;
}

export class ToolServer {
  readonly requests: ToolRequest[] = [];
  private server?: http.Server;
  private base = '';
  private seq = 0;
  private readonly secrets = new Map<string, string>();
  private readonly waiting = new Map<string, Array<() => void>>();

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res).catch(() => res.destroy()));
    this.base = await listenLocally(this.server);
    return this;
  }

  endpoint(behaviour: string, query: Record<string, string | number> = {}): { url: string; path: string } {
    const path = `/t${++this.seq}/${behaviour}`;
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
    return { path, url: `${this.base}${path}${qs ? `?${qs}` : ''}` };
  }

  /** The secret requests under `pathPrefix` are verified with (the job type's signing secret). */
  setSecret(pathPrefix: string, secret: string): void {
    this.secrets.set(pathPrefix, secret);
  }

  forPath(path: string): ToolRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    await closeNow(this.server);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const u = new URL(req.url ?? '/', this.base);
    const rec: ToolRequest = { path: u.pathname, behaviour: u.pathname.split('/').pop() ?? '', headers: req.headers, rawBody, verified: false, aborted: false };
    res.on('close', () => {
      if (!res.writableFinished) rec.aborted = true;
    });
    try {
      rec.body = JSON.parse(rawBody);
    } catch {
      rec.body = undefined;
    }
    const secret = [...this.secrets.entries()].find(([prefix]) => u.pathname.startsWith(prefix))?.[1];
    const problem = signatureProblem(secret, rawBody, req.headers);
    rec.verified = problem === null;
    if (problem) rec.verifyError = problem;
    this.requests.push(rec);
    const send = (status: number, body: unknown, type = 'application/json') => {
      rec.answered = status;
      const text = type === 'application/json' ? JSON.stringify(body) : String(body);
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (!rec.verified) return send(401, { error: 'invalid signature', detail: rec.verifyError });

    switch (rec.behaviour) {
      case 'echo':
        return send(200, { echo: rec.body, path: rec.path });
      case 'barrier': {
        const n = Number(u.searchParams.get('n') ?? 2);
        const queue = this.waiting.get(rec.path) ?? [];
        queue.push(() => send(200, { echo: rec.body, arrived_together: n }));
        this.waiting.set(rec.path, queue);
        if (queue.length >= n) {
          this.waiting.delete(rec.path);
          queue.forEach((answer) => answer());
        }
        return;
      }
      case 'not-json':
        return send(200, 'this is not json', 'text/plain');
      case 'fail':
        return send(500, { error: 'boom' });
      case 'hang':
        return;
      default:
        return send(404, { error: `unknown behaviour ${rec.behaviour}` });
    }
  }
}

export async function startToolServer(): Promise<ToolServer> {
  return new ToolServer().start();
}
