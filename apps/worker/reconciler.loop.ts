import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, PeriodicLoop } from '@app/common';
import { ReconcilePass, ReconcilerService } from '@app/jobs';
import { RedisEpoch } from '@app/queue';

/**
 * Runs a reconciler pass every RECONCILE_INTERVAL_MS, never two at once; at once again while
 * a walk after a Redis loss is unfinished, and as soon as Redis is reachable again (so a loss
 * is noticed then, not at the next tick).
 */
@Injectable()
export class ReconcilerLoop extends PeriodicLoop<ReconcilePass> {
  constructor(reconciler: ReconcilerService, config: AppConfig, private readonly epoch: RedisEpoch) {
    super({
      name: 'reconcile pass',
      intervalMs: () => config.RECONCILE_INTERVAL_MS,
      pass: () => reconciler.pass(),
      runAgainAtOnce: (r) => r.more,
      logger: new Logger(ReconcilerLoop.name),
    });
  }

  override onApplicationBootstrap(): void {
    super.onApplicationBootstrap();
    this.epoch.onReconnect(() => this.task.wake());
  }
}
