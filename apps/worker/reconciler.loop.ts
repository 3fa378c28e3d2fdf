import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, PeriodicLoop } from '@app/common';
import { ReconcilerService } from '@app/jobs';

/** Runs a reconciler pass every RECONCILE_INTERVAL_MS, never two at once. */
@Injectable()
export class ReconcilerLoop extends PeriodicLoop {
  constructor(reconciler: ReconcilerService, config: AppConfig) {
    super({
      name: 'reconcile pass',
      intervalMs: () => config.RECONCILE_INTERVAL_MS,
      pass: () => reconciler.pass(),
      logger: new Logger(ReconcilerLoop.name),
    });
  }
}
