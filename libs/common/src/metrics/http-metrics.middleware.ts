import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { performance } from 'node:perf_hooks';
import { routeTemplate } from '../http/route-template';
import type { MetricsService } from './metrics.service';

/**
 * Counts and times every request by method, route template and status. Installed first, so
 * that answers given before routing (404 on a NUL byte, 413, malformed JSON) count too; a
 * response cut off by the client (a stream closed) counts once, when it closes.
 */
export function httpMetricsMiddleware(metrics: MetricsService): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!metrics.enabled) return next();
    const start = performance.now();
    let done = false;
    const record = () => {
      if (done) return;
      done = true;
      metrics.httpRequest(req.method, routeTemplate(req), res.statusCode, (performance.now() - start) / 1000);
    };
    res.once('finish', record);
    res.once('close', record);
    next();
  };
}
