import cluster, { Worker } from 'node:cluster';
import { Logger } from '@nestjs/common';
import { AggregatorRegistry } from 'prom-client';
import type { AppConfig } from '@app/common';
import { MetricsHttpServer } from '@app/common/metrics';

const RESTART_DELAY_MS = 1000;
/** Marks the process that also runs the worker part of `npm start`. */
const WITH_WORKER_ENV = 'AGENT_JOBS_CLUSTER_WITH_WORKER';

/**
 * The primary of an API_PROCESSES > 1 deployment: forks that many API processes sharing the
 * port (node:cluster hands each connection to one of them). The first is started alone and
 * the rest once it listens, so that creating the database and migrating happen once. A
 * process that dies after it served is started again; one that dies before it listens (bad
 * config, database down) takes the primary down with it, as a single process would, so the
 * orchestrator sees the failure instead of a restart loop. SIGTERM/SIGINT are passed on and
 * the primary exits when every process has shut down gracefully. With METRICS_PORT set, the
 * primary serves GET /metrics there: the sum of its processes' series (prom-client's cluster aggregation).
 */
export function superviseApiProcesses(config: AppConfig, withWorker: boolean): void {
  const count = config.API_PROCESSES;
  const logger = new Logger('ApiProcesses');
  if (config.METRICS_PORT !== undefined) {
    const aggregate = new AggregatorRegistry();
    const server = new MetricsHttpServer({ contentType: aggregate.contentType, render: () => aggregate.clusterMetrics() }, config.METRICS_TOKEN);
    server.listen(config.METRICS_PORT).then(
      (port) => logger.log(`metrics of all ${count} API processes on :${port}/metrics`),
      (err: Error) => logger.error(`metrics server on :${config.METRICS_PORT} failed: ${err.message}`),
    );
  }
  let stopping = false;
  const roles = new Map<Worker, boolean>();
  const listened = new Set<Worker>();

  const fork = (runsWorker: boolean): Worker => {
    const child = cluster.fork({ [WITH_WORKER_ENV]: runsWorker ? '1' : '0' });
    roles.set(child, runsWorker);
    child.once('listening', () => listened.add(child));
    return child;
  };

  cluster.on('exit', (child, code, signal) => {
    const runsWorker = roles.get(child) ?? false;
    roles.delete(child);
    if (stopping) {
      if (!roles.size) process.exit(process.exitCode ?? 0);
      return;
    }
    if (!listened.delete(child)) {
      logger.error(`API process ${child.process.pid} failed to start (${signal ?? code})`);
      process.exitCode = 1;
      stop('SIGTERM');
      return;
    }
    logger.error(`API process ${child.process.pid} exited (${signal ?? code}); starting another`);
    setTimeout(() => fork(runsWorker), RESTART_DELAY_MS);
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: stopping ${roles.size} API process(es)`);
    for (const child of roles.keys()) child.process.kill(signal);
    if (!roles.size) process.exit(process.exitCode ?? 0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  fork(withWorker).once('listening', () => {
    for (let i = 1; i < count; i++) fork(false);
  });
}

/** In a forked API process: whether it runs the worker part too. */
export function clusterChildRunsWorker(): boolean | null {
  return cluster.isPrimary ? null : process.env[WITH_WORKER_ENV] === '1';
}
