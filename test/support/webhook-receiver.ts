import * as http from 'node:http';
import { closeNow, listenLocally, readBody } from './local-http';
import { signatureProblem } from './signature';

/**
 * A local webhook receiver for end-to-end tests of observer deliveries. Every request is
 * verified with `standardwebhooks` against each secret registered for its path, one by one
 * (so a test can tell which of an org's secrets a delivery verifies with), and recorded.
 *
 * Behaviour per endpoint (the path's last segment, see `endpoint()`):
 *   ok                    200
 *   fail-then-ok?times=N  500 for the first N requests to this path, then 200
 *   fail                  always 500
 *   status-then-ok?status=N&times=K
 *                         N for the first K (default 1) requests to this path, then 200; a 429
 *                         carries `Retry-After: 1`
 *   gone                  410 Gone
 *   redirect              302 with a Location (never to be followed)
 *   hang                  never answers; records when the caller gives up
 */

export interface ReceivedWebhook {
  seq: number;
  path: string;
  behaviour: string;
  headers: http.IncomingHttpHeaders;
  webhookId: string;
  timestamp: string;
  /** The `v1,<sig>` entries of webhook-signature. */
  signatures: string[];
  rawBody: string;
  body?: { type: string; timestamp: string; data: Record<string, unknown> };
  type?: string;
  /** True when at least one registered secret verifies the request. */
  verified: boolean;
  /** For each registered secret (in registration order): does it verify this request on its own? */
  verifiedWith: boolean[];
  verifyError?: string;
  receivedAt: number;
  answered?: number;
  aborted: boolean;
  abortedAt?: number;
}

export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private server?: http.Server;
  private base = '';
  private readonly secrets = new Map<string, string[]>();
  private readonly counters = new Map<string, number>();
  private seq = 0;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.base = await listenLocally(this.server);
    return this;
  }

  /** A fresh URL with a behaviour, e.g. endpoint('fail-then-ok', { times: 2 }); optionally with the secrets to verify with. */
  endpoint(behaviour: string, query: Record<string, string | number> = {}, secrets?: string[]): { url: string; path: string } {
    const path = `/w${++this.seq}/${behaviour}`;
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
    if (secrets) this.setSecrets(path, secrets);
    return { path, url: `${this.base}${path}${qs ? `?${qs}` : ''}` };
  }

  /** The secrets requests to `pathPrefix` are verified with (the longest registered prefix wins). */
  setSecrets(pathPrefix: string, secrets: string[]): void {
    this.secrets.set(pathPrefix, [...secrets]);
  }

  forPath(path: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    await closeNow(this.server);
  }

  private secretsFor(path: string): string[] {
    let best: string | undefined;
    for (const prefix of this.secrets.keys()) {
      if (path.startsWith(prefix) && (!best || prefix.length > best.length)) best = prefix;
    }
    return best === undefined ? [] : this.secrets.get(best)!;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const u = new URL(req.url ?? '/', this.base);
    const header = (name: string) => String(req.headers[name] ?? '');
    const rec: ReceivedWebhook = {
      seq: this.received.length + 1,
      path: u.pathname,
      behaviour: u.pathname.split('/').filter(Boolean).pop() ?? '',
      headers: req.headers,
      webhookId: header('webhook-id'),
      timestamp: header('webhook-timestamp'),
      signatures: header('webhook-signature').split(' ').filter(Boolean),
      rawBody,
      verified: false,
      verifiedWith: [],
      receivedAt: Date.now(),
      aborted: false,
    };
    try {
      rec.body = JSON.parse(rawBody);
      rec.type = rec.body?.type;
    } catch {
      rec.body = undefined;
    }
    const secrets = this.secretsFor(u.pathname);
    if (!secrets.length) rec.verifyError = 'no secret registered for this path';
    rec.verifiedWith = secrets.map((secret) => {
      const problem = signatureProblem(secret, rawBody, req.headers);
      if (problem) rec.verifyError = problem;
      return problem === null;
    });
    rec.verified = rec.verifiedWith.some(Boolean);
    this.received.push(rec);

    res.on('close', () => {
      if (!res.writableFinished) {
        rec.aborted = true;
        rec.abortedAt = Date.now();
      }
    });
    const answer = (status: number, headers: Record<string, string> = {}) => {
      if (res.destroyed || res.writableEnded) return;
      rec.answered = status;
      res.writeHead(status, { 'content-type': 'text/plain', ...headers });
      res.end(String(status));
    };

    switch (rec.behaviour) {
      case 'ok':
        return answer(200);
      case 'fail-then-ok': {
        const n = (this.counters.get(u.pathname) ?? 0) + 1;
        this.counters.set(u.pathname, n);
        return answer(n <= Number(u.searchParams.get('times') ?? 1) ? 500 : 200);
      }
      case 'fail':
        return answer(500);
      case 'status-then-ok': {
        const n = (this.counters.get(u.pathname) ?? 0) + 1;
        this.counters.set(u.pathname, n);
        const status = Number(u.searchParams.get('status') ?? 500);
        if (n > Number(u.searchParams.get('times') ?? 1)) return answer(200);
        return answer(status, status === 429 ? { 'retry-after': '1' } : {});
      }
      case 'gone':
        return answer(410);
      case 'redirect':
        return answer(302, { location: `${this.base}/w0/ok` });
      case 'hang':
        return;
      default:
        return answer(404);
    }
  }
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  return new WebhookReceiver().start();
}
