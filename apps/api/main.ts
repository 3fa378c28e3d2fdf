import 'reflect-metadata';
import cluster from 'node:cluster';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@app/common';
import { standaloneNestLogger } from '@app/common/logging';
import { clusterChildRunsWorker, superviseApiProcesses } from './api-processes';
import { createApp } from './create-app';

/**
 * The API; with --with-worker (npm start) the worker runs in the same process. With
 * API_PROCESSES > 1 this process only supervises that many API processes.
 */
async function main() {
  const config = loadConfig();
  // Lines logged before the app exists (config warnings) are JSON lines too.
  Logger.overrideLogger(standaloneNestLogger(config));
  const withWorkerFlag = process.argv.includes('--with-worker');
  if (config.API_PROCESSES > 1 && cluster.isPrimary) {
    superviseApiProcesses(config, withWorkerFlag);
    return;
  }
  const withWorker = clusterChildRunsWorker() ?? withWorkerFlag;
  const app = await createApp({ withWorker });
  await app.listen(config.PORT);
  new Logger('Main').log(`Agent Jobs API listening on :${config.PORT}${withWorker ? ' (with worker)' : ''}${cluster.isPrimary ? '' : ` (process ${process.pid})`}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
