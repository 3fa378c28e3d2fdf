import { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { json } from 'express';
import { DomainError, KnownQueryParamsInterceptor, ProblemDetailsFilter, sendProblem, strictValidationPipe, toProblem } from '@app/common';
import { ApiModule, ApiModuleOptions } from './api.module';
import { mountApiDocs } from './api-docs';
import { mountConsole } from './console';
import { installObservability } from './observability';
import { mountQueueDashboard } from './queue-dashboard';

export const BODY_LIMIT = '1mb';

/** Builds the HTTP app exactly as production runs it; tests use this too. */
export async function createApp(options: ApiModuleOptions & { logger?: LogLevel[] | LoggerService | false } = {}): Promise<INestApplication> {
  // Without a logger of the caller's, lines are held until pino takes over (installObservability).
  const app = await NestFactory.create(ApiModule.forRoot(options), { bodyParser: false, ...(options.logger === undefined ? { bufferLogs: true } : { logger: options.logger }) });
  installObservability(app, options.logger === undefined);
  // No id of ours holds a NUL byte, and Postgres cannot even compare one: such a path names nothing.
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (!/%00/.test(req.path)) return next();
    sendProblem(res, toProblem(new DomainError(404, 'NOT_FOUND', 'No resource has this path')));
  });
  app.use(json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] }));
  // Body parser errors (413, malformed JSON) happen before Nest routing: answer them as problem+json here.
  app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (!err) return next();
    sendProblem(res, toProblem(err));
  });
  mountApiDocs(app);
  mountConsole(app);
  mountQueueDashboard(app);
  app.useGlobalPipes(strictValidationPipe());
  app.useGlobalInterceptors(new KnownQueryParamsInterceptor());
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.enableShutdownHooks();
  const server = app.getHttpAdapter().getInstance();
  server.disable('x-powered-by');
  server.set('etag', false);
  return app;
}
