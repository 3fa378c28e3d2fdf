import { createBullBoard } from '@bull-board/api';
import type { IServerAdapter } from '@bull-board/api/dist/types';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { getQueueToken } from '@nestjs/bull';
import { INestApplication } from '@nestjs/common';
import type { Queue } from 'bull';
import type { Express, NextFunction, Request, Response } from 'express';
import { TokenVerifier } from '@app/auth';
import { AppConfig, DomainError, sendProblem, toProblem } from '@app/common';
import { BULL_QUEUES } from '@app/queue';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';
/** What a browser shows in its login prompt. */
export const BASIC_REALM = 'agent-jobs';

/** The password of `Authorization: Basic base64(user:password)` (the user is ignored), or null. */
export function basicAuthPassword(header: string | undefined): string | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  return password || null;
}

/**
 * An ADMIN API token as the basic-auth password, checked by libs/auth exactly as a bearer token
 * (so a browser can open the page: it prompts on WWW-Authenticate and resends the credentials
 * with every asset and API call). 401 for none or an invalid, revoked or expired token; 403 for a
 * valid one below SERVICES:ADMIN; 503 when the token record cannot be read (an outage).
 */
function requireAdminToken(verifier: TokenVerifier) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const refuse = (err: unknown) => {
      const problem = toProblem(err);
      if (problem.status === 401) res.setHeader('WWW-Authenticate', `Basic realm="${BASIC_REALM}", charset="UTF-8"`);
      sendProblem(res, problem);
    };
    const password = basicAuthPassword(req.headers.authorization);
    if (!password) return refuse(new DomainError(401, 'UNAUTHORIZED', 'An ADMIN API token is required as the basic-auth password'));
    verifier.verify(password, 'SERVICES', 'ADMIN').then(() => next(), refuse);
  };
}

/** Headers that cost the board nothing: no framing, no sniffing, no referrer carrying the path out. */
function secure(_req: Request, res: Response, next: NextFunction): void {
  res.set({ 'X-Frame-Options': 'DENY', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' });
  next();
}

/**
 * Bull Board at /admin/queues when BULL_BOARD=true: the Bull queues of libs/queue, as this
 * deployment's QueueModule created them (its prefix and connections). Read-only (the board
 * refuses its own actions with 405): Postgres is the truth about jobs, and retrying, promoting
 * or removing a Bull job behind its back is what the API and the reconciler are for.
 * Express middleware, not Nest routes, on purpose: its paths are not API operations, so the
 * OpenAPI document, the route checks and KnownQueryParamsInterceptor (the board's own API takes
 * query parameters of its own) never see it; nor does the per-token rate limiter (docs/decisions.md).
 */
export function mountQueueDashboard(app: INestApplication): void {
  if (!app.get(AppConfig).BULL_BOARD) return;
  const board = new ExpressAdapter();
  board.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: BULL_QUEUES.map((name) => new BullAdapter(app.get<Queue>(getQueueToken(name)), { readOnlyMode: true })),
    // @bull-board/express 9.10.1 pins its own @bull-board/api 9.10.1 (package.json has api ^9.10.2): the
    // same interface, declared twice, which TypeScript tells apart by BaseAdapter's private fields.
    serverAdapter: board as unknown as IServerAdapter,
    options: { uiConfig: { boardTitle: 'Agent Jobs queues' } },
  });
  const server = app.getHttpAdapter().getInstance() as Express;
  server.use(QUEUE_DASHBOARD_PATH, secure, requireAdminToken(app.get(TokenVerifier)), board.getRouter());
}
