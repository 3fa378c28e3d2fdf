import * as http from 'node:http';
import { closeNow, listenLocally, readBody } from './local-http';

/**
 * A local HTTP server that speaks the part of Slack's Web API the service uses, for
 * end-to-end tests. Point the app at it with `SLACK_API_URL: slack.url + '/api/'`.
 *
 * - `POST /api/<method>`, body form-urlencoded (what @slack/web-api sends; object fields are
 *   JSON strings) or JSON; token from `Authorization: Bearer` or a `token` field.
 * - answers `{ok: true, ...}` or `{ok: false, error}` with HTTP 200, like Slack.
 * - `auth.test`: the team of a token registered with `addToken` (else `invalid_auth`).
 * - `chat.postMessage`: records the message (channel, text, blocks, thread_ts, metadata, token)
 *   and returns its `ts`.
 * - `conversations.history` / `conversations.replies`: recorded messages of a channel / thread,
 *   newest first, from `oldest` on; `metadata` only with `include_all_metadata`.
 * - scripted failures per channel (`script(channel, ...steps)`), consumed one per
 *   chat.postMessage call to that channel: `'ratelimited'` (HTTP 429 + `Retry-After`),
 *   `'crash'` (records the message, then drops the connection without answering),
 *   `'http500'`, or any Slack error string (`'channel_not_found'`, `'not_in_channel'`...).
 * - scopes: a token added with `scopes` is answered `x-oauth-scopes` on auth.test, and a call
 *   it lacks the scope for is answered `missing_scope` (chat.postMessage needs chat:write;
 *   conversations.history / replies need channels:history for C channels, groups:history for
 *   G channels, im:history for D channels), as Slack does. Without `scopes`, everything is allowed.
 * Every call is recorded in `calls`.
 */

export interface SlackTeam {
  team_id: string;
  team_name: string;
  user_id?: string;
  /** Sent as `x-oauth-scopes` on auth.test, as Slack does, and enforced (omitted when unset: no header, no checks). */
  scopes?: string[];
}

export interface SlackCall {
  seq: number;
  method: string;
  token: string | null;
  args: Record<string, unknown>;
  at: number;
  /** What the server did: 'ok', an error string, 'ratelimited', 'crash' or 'http500'. */
  outcome: string;
}

export interface SlackRecordedMessage {
  ts: string;
  channel: string;
  text?: string;
  blocks?: Array<Record<string, unknown>>;
  thread_ts?: string;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  token: string | null;
  at: number;
}

/** `slow:<ms>`: answers normally after that long (a post in flight, e.g. at a shutdown). */
export type SlackStep = 'ratelimited' | 'crash' | 'http500' | `slow:${number}` | string;

export class SlackServer {
  readonly calls: SlackCall[] = [];
  readonly messages: SlackRecordedMessage[] = [];
  /** Seconds sent in Retry-After with a scripted 'ratelimited'. */
  retryAfterSeconds = 1;
  private server?: http.Server;
  private base = '';
  private readonly tokens = new Map<string, SlackTeam>();
  private readonly scripts = new Map<string, SlackStep[]>();
  private tsCounter = 0;
  /** TCP connections accepted so far (keep-alive reuse shows as fewer connections than calls). */
  connections = 0;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', () => this.connections++);
    this.base = await listenLocally(this.server);
    return this;
  }

  get url(): string {
    return this.base;
  }

  /** A bot token the server accepts, and the team auth.test reports for it. */
  addToken(token: string, team: SlackTeam): void {
    this.tokens.set(token, team);
  }

  /** Failures for the next chat.postMessage calls to `channel`, in order. */
  script(channel: string, ...steps: SlackStep[]): void {
    this.scripts.set(channel, [...(this.scripts.get(channel) ?? []), ...steps]);
  }

  /** A message as if posted earlier (e.g. by an attempt that crashed before recording its ts). */
  seedMessage(msg: Omit<SlackRecordedMessage, 'ts' | 'at' | 'token'> & { token?: string }): SlackRecordedMessage {
    const rec: SlackRecordedMessage = { ...msg, token: msg.token ?? null, ts: this.nextTs(), at: Date.now() };
    this.messages.push(rec);
    return rec;
  }

  callsOf(method: string, channel?: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method && (channel === undefined || c.args.channel === channel));
  }

  messagesIn(channel: string): SlackRecordedMessage[] {
    return this.messages.filter((m) => m.channel === channel);
  }

  async close(): Promise<void> {
    await closeNow(this.server);
  }

  private nextTs(): string {
    return `${Math.floor(Date.now() / 1000)}.${String(++this.tsCounter).padStart(6, '0')}`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const u = new URL(req.url ?? '/', this.base);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
      res.end(text);
    };
    const match = /^\/api\/([\w.]+)$/.exec(u.pathname);
    if (req.method !== 'POST' || !match) return send(404, { ok: false, error: 'unknown_method' });
    const method = match[1];
    const args = parseBody(raw, String(req.headers['content-type'] ?? ''));
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const token = bearer ?? (typeof args.token === 'string' ? args.token : null);
    delete args.token;
    const call: SlackCall = { seq: this.calls.length + 1, method, token, args, at: Date.now(), outcome: 'ok' };
    this.calls.push(call);
    const fail = (error: string) => {
      call.outcome = error;
      send(200, { ok: false, error });
    };

    if (!token) return fail('not_authed');
    const team = this.tokens.get(token);
    if (!team) return fail('invalid_auth');
    const needed = requiredScope(method, String(args.channel ?? ''));
    if (team.scopes && needed && !team.scopes.includes(needed)) return fail('missing_scope');

    switch (method) {
      case 'auth.test':
        return send(
          200,
          { ok: true, url: `https://${team.team_name}.slack.test/`, team: team.team_name, user: 'agent-jobs', team_id: team.team_id, user_id: team.user_id ?? 'U0BOT', bot_id: 'B0BOT' },
          team.scopes ? { 'x-oauth-scopes': team.scopes.join(',') } : {},
        );
      case 'chat.postMessage': {
        const channel = String(args.channel ?? '');
        if (!channel) return fail('channel_not_found');
        let step = this.scripts.get(channel)?.shift();
        if (step?.startsWith('slow:')) {
          await new Promise((r) => setTimeout(r, Number(step!.slice('slow:'.length))));
          step = undefined;
        }
        if (step === 'ratelimited') {
          call.outcome = 'ratelimited';
          return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(this.retryAfterSeconds) });
        }
        if (step === 'http500') {
          call.outcome = 'http500';
          return send(500, { ok: false, error: 'internal_error' });
        }
        if (step && step !== 'crash') return fail(step);
        const msg: SlackRecordedMessage = {
          ts: this.nextTs(), channel, token, at: Date.now(),
          ...(typeof args.text === 'string' ? { text: args.text } : {}),
          ...(Array.isArray(args.blocks) ? { blocks: args.blocks as SlackRecordedMessage['blocks'] } : {}),
          ...(typeof args.thread_ts === 'string' ? { thread_ts: args.thread_ts } : {}),
          ...(args.metadata && typeof args.metadata === 'object' ? { metadata: args.metadata as SlackRecordedMessage['metadata'] } : {}),
        };
        this.messages.push(msg);
        if (step === 'crash') {
          call.outcome = 'crash';
          req.socket.destroy();
          return;
        }
        return send(200, { ok: true, channel, ts: msg.ts, message: { type: 'message', text: msg.text, ts: msg.ts, ...(msg.thread_ts ? { thread_ts: msg.thread_ts } : {}) } });
      }
      case 'conversations.history':
      case 'conversations.replies': {
        const channel = String(args.channel ?? '');
        const oldest = Number(args.oldest ?? 0);
        const withMetadata = args.include_all_metadata === true || args.include_all_metadata === 'true';
        const inThread = method === 'conversations.replies' ? String(args.ts ?? '') : null;
        const found = this.messages
          .filter((m) => m.channel === channel && Number(m.ts) >= oldest)
          .filter((m) => (inThread === null ? !m.thread_ts : m.ts === inThread || m.thread_ts === inThread))
          .sort((a, b) => Number(b.ts) - Number(a.ts))
          .map((m) => ({
            type: 'message', ts: m.ts, text: m.text, ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
            ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
          }));
        return send(200, { ok: true, messages: found, has_more: false, response_metadata: { next_cursor: '' } });
      }
      default:
        return fail('unknown_method');
    }
  }
}

/** The scope Slack asks of a bot token for a call (null: none we model). */
function requiredScope(method: string, channel: string): string | null {
  if (method === 'chat.postMessage') return 'chat:write';
  if (method === 'conversations.history' || method === 'conversations.replies') {
    return channel.startsWith('G') ? 'groups:history' : channel.startsWith('D') ? 'im:history' : 'channels:history';
  }
  return null;
}

/** Form fields holding JSON (blocks, metadata) are parsed; `true`/`false` stay strings, as Slack receives them. */
function parseBody(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('application/json')) {
    try {
      return JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    if ((v.startsWith('{') || v.startsWith('[')) && (k === 'blocks' || k === 'metadata' || k === 'attachments')) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        /* keep the string */
      }
    }
    out[k] = v;
  }
  return out;
}

export async function startSlackServer(): Promise<SlackServer> {
  return new SlackServer().start();
}
