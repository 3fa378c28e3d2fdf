import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig, PeriodicTask } from '@app/common';
import { ReconcilerService } from '@app/jobs';

/** Runs a reconciler pass every RECONCILE_INTERVAL_MS, never two at once. */
@Injectable()
export class ReconcilerLoop implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask;

  constructor(reconciler: ReconcilerService, config: AppConfig) {
    this.task = new PeriodicTask({
      name: 'reconcile pass',
      intervalMs: () => config.RECONCILE_INTERVAL_MS,
      pass: () => reconciler.pass(),
      logger: new Logger(ReconcilerLoop.name),
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }
}
