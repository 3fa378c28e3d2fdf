import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { hostname } from 'node:os';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig, PeriodicTask } from '@app/common';
import { WorkerIdentity } from './worker-identity';
import { WorkersRepository } from './workers.repository';

/**
 * Keeps this worker alive in Postgres: a row in `workers` beaten every WORKER_HEARTBEAT_MS.
 * A worker silent for WORKER_DEAD_AFTER_MS is dead to the reconciler, which hands its running
 * tasks to other workers. The beat has a connection of its own, so a busy pool (every
 * connection waiting on the job rows of a burst) never makes a live worker look dead. The
 * first beat is written before the application starts taking tasks (claims need it); at
 * shutdown, after the running tasks were finished or handed back, the row is marked stopped
 * so that whatever is still running is handed back at once.
 */
@Injectable()
export class WorkerHeartbeat implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerHeartbeat.name);
  private readonly pool: Pool;
  private readonly task: PeriodicTask;

  // DataSource is injected for its order only: it exists once the migrations (which create `workers`) ran.
  constructor(
    _migrated: DataSource, private readonly workers: WorkersRepository, private readonly worker: WorkerIdentity, private readonly config: AppConfig,
  ) {
    this.pool = new Pool({ connectionString: config.DATABASE_URL, max: 1 });
    this.pool.on('error', (err) => this.logger.warn(`heartbeat connection: ${err.message}`));
    this.task = new PeriodicTask({ name: 'worker heartbeat', intervalMs: () => config.WORKER_HEARTBEAT_MS, pass: () => this.beat(), logger: this.logger });
  }

  async onModuleInit(): Promise<void> {
    await this.beat();
    this.task.start(this.config.WORKER_HEARTBEAT_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
    await this.workers.markStopped(this.pool, this.worker.id).catch((err) => this.logger.warn(`could not mark the worker stopped: ${err.message}`));
    await this.pool.end();
  }

  private async beat(): Promise<void> {
    await this.workers.beat(this.pool, this.worker.id, hostname(), process.pid);
  }
}
