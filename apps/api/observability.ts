import type { INestApplication } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import { RequestLogging } from '@app/common/logging';
import { httpMetricsMiddleware, MetricsService } from '@app/common/metrics';

/**
 * Request ids, access lines and HTTP metrics, as the app's first middleware (before the body
 * parser, so that a 413 or malformed JSON has its id and is counted); with `useLogger`, every
 * Nest log line goes through pino (tests pass a logger of their own instead).
 */
export function installObservability(app: INestApplication, useLogger: boolean): void {
  if (useLogger) app.useLogger(app.get(Logger));
  app.use(app.get(RequestLogging).middleware);
  app.use(httpMetricsMiddleware(app.get(MetricsService)));
}
