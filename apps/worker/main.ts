import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { loadConfig } from '@app/common';
import { standaloneNestLogger } from '@app/common/logging';
import { WorkerModule } from './worker.module';

/** A worker process: no HTTP API, only Bull processors and the reconciler (and GET /metrics on METRICS_PORT). */
async function main() {
  // Lines logged before the app exists (config warnings) are JSON lines too.
  Logger.overrideLogger(standaloneNestLogger(loadConfig()));
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(), { bufferLogs: true });
  app.useLogger(app.get(PinoNestLogger));
  app.enableShutdownHooks();
  new Logger('Main').log(`Agent Jobs worker running (process ${process.pid})`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
