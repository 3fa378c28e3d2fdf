import { Inject, Injectable } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { HttpLogger, pinoHttp } from 'pino-http';
import { routeTemplate } from '../http/route-template';
import { LogFields, runInLogContext } from './log-context';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');
export const REQUEST_ID_HEADER = 'X-Request-Id';
/** A caller's X-Request-Id is kept when it is one short token of these characters; anything else gets a new id. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:/+=@-]{1,128}$/;
/** Probes and scrapes: answered without an access line (they come every few seconds). */
const QUIET_PATHS = new Set(['/health', '/health/ready', '/metrics']);

interface Caller {
  user?: { orgId?: string };
}

/**
 * First middleware of the API: gives the request its id (the caller's sane X-Request-Id, else
 * a new UUID), echoes it as X-Request-Id on every answer, 404s and errors included, runs the
 * rest of the request in a log context holding it (org_id is added once the token is known,
 * LogContextInterceptor), and writes one access line per request through pino-http: method,
 * url, status, time, route template, req_id, org_id. No headers are logged.
 */
@Injectable()
export class RequestLogging {
  private readonly contexts = new WeakMap<IncomingMessage, LogFields>();
  private readonly access: HttpLogger<IncomingMessage, ServerResponse> | null;

  constructor(@Inject(ROOT_LOGGER) root: Logger) {
    // Below info no access line would be written: the middleware is then skipped altogether.
    this.access = root.isLevelEnabled('info') ? this.accessLog(root) : null;
  }

  readonly middleware: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers['x-request-id'];
    const id = typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : randomUUID();
    (req as { id?: string }).id = id;
    res.setHeader(REQUEST_ID_HEADER, id);
    const context: LogFields = { req_id: id };
    this.contexts.set(req, context);
    runInLogContext(context, () => (this.access ? this.access(req, res, next) : next()));
  };

  private accessLog(root: Logger) {
    const fields = (req: IncomingMessage) => {
      const context = this.contexts.get(req);
      const orgId = context?.org_id ?? (req as Caller).user?.orgId;
      return { ...context, ...(orgId ? { org_id: orgId } : {}), route: routeTemplate(req as Request) };
    };
    return pinoHttp({
      logger: root,
      genReqId: (req) => (req as { id?: string }).id ?? randomUUID(),
      // The raw objects, not pino's copies of them (headers included): only these fields are logged.
      wrapSerializers: false,
      serializers: {
        req: (r: Request) => ({ method: r.method, url: r.originalUrl ?? r.url }),
        res: (r: ServerResponse) => ({ status_code: r.statusCode }),
      },
      customAttributeKeys: { responseTime: 'response_time_ms' },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
      customSuccessObject: (req: IncomingMessage, _res: ServerResponse, value: object) => ({ ...fields(req), ...value }),
      customErrorObject: (req: IncomingMessage, _res: ServerResponse, _err: Error, value: object) => ({ ...fields(req), ...value }),
      autoLogging: { ignore: (req) => QUIET_PATHS.has((req.url ?? '').split('?')[0]) },
    });
  }
}
