import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@app/common';
import { logLevels } from '../worker/log-levels';
import { createApp } from './create-app';

/** The API; with --with-worker (npm start) the worker runs in the same process. */
async function main() {
  const config = loadConfig();
  const withWorker = process.argv.includes('--with-worker');
  const app = await createApp({ withWorker, logger: logLevels(config.LOG_LEVEL) });
  await app.listen(config.PORT);
  new Logger('Main').log(`Agent Jobs API listening on :${config.PORT}${withWorker ? ' (with worker)' : ''}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
