import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { AppConfig } from '../config';
import { LogContextInterceptor } from './log-context.interceptor';
import { ROOT_LOGGER, RequestLogging } from './request-logging';
import { createRootLogger } from './root-logger';

/** The app's one pino logger; its buffered lines are written out when the app closes. */
@Module({
  providers: [{ provide: ROOT_LOGGER, inject: [AppConfig], useFactory: (config: AppConfig) => createRootLogger(config) }],
  exports: [ROOT_LOGGER],
})
class RootLoggerModule implements OnApplicationShutdown {
  constructor(@Inject(ROOT_LOGGER) private readonly root: Logger) {}

  onApplicationShutdown(): void {
    this.root.flush();
  }
}

/**
 * Logging of the API and the worker: nestjs-pino's Logger (what `new Logger(...)` of
 * @nestjs/common writes through once the app uses it) on the root logger, the request
 * middleware (ids, access lines) and the interceptor that adds the org to a request's context.
 * nestjs-pino's request middleware is left out (`useExisting`, no routes): RequestLogging runs
 * first of all, before the body parser, so that even a 413 has its id, and the ids reach
 * every line through the log context rather than through a request's child logger.
 */
@Module({
  imports: [
    RootLoggerModule,
    LoggerModule.forRootAsync({
      imports: [RootLoggerModule],
      inject: [ROOT_LOGGER],
      useFactory: (root: Logger) => ({ pinoHttp: { logger: root }, useExisting: true, forRoutes: [] }),
    }),
  ],
  providers: [RequestLogging, { provide: APP_INTERCEPTOR, useClass: LogContextInterceptor }],
  exports: [RequestLogging],
})
export class LoggingModule {}
