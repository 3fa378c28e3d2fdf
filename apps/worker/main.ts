import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@app/common';
import { logLevels } from './log-levels';
import { WorkerModule } from './worker.module';

/** A worker process: no HTTP server, only Bull processors and the reconciler. */
async function main() {
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(), { logger: logLevels(config.LOG_LEVEL) });
  app.enableShutdownHooks();
  new Logger('Main').log(`Agent Jobs worker running (process ${process.pid})`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
