import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig, PeriodicTask } from '@app/common';
import { DeliveryReconcilerService } from '../delivery/delivery-reconciler.service';
import { DISPATCH_BATCH, EventDispatcherService } from '../dispatch/event-dispatcher.service';

/** How often the outbox is polled when idle; a full batch is followed at once by the next. */
export const DISPATCH_INTERVAL_MS = 200;

/**
 * Two timers of the worker: the event dispatcher (every DISPATCH_INTERVAL_MS, at once when a
 * batch was full or when woken) and the delivery reconciler (every RECONCILE_INTERVAL_MS).
 * Never two passes of one kind at once; both stop before the database closes.
 */
@Injectable()
export class ObserversLoop implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly dispatch: PeriodicTask<number>;
  private readonly reconcile: PeriodicTask;

  constructor(dispatcher: EventDispatcherService, reconciler: DeliveryReconcilerService, private readonly config: AppConfig) {
    const logger = new Logger(ObserversLoop.name);
    this.dispatch = new PeriodicTask({
      name: 'event dispatch',
      intervalMs: () => DISPATCH_INTERVAL_MS,
      pass: () => dispatcher.dispatchBatch(),
      runAgainAtOnce: (n) => n >= DISPATCH_BATCH,
      logger,
    });
    this.reconcile = new PeriodicTask({
      name: 'delivery reconcile',
      intervalMs: () => config.RECONCILE_INTERVAL_MS,
      pass: () => reconciler.pass(),
      logger,
    });
  }

  onApplicationBootstrap(): void {
    this.dispatch.start();
    this.reconcile.start(this.config.RECONCILE_INTERVAL_MS);
  }

  /** Dispatch now (e.g. right after a transition in this process) instead of at the next tick. */
  wake(): void {
    this.dispatch.wake();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([this.dispatch.stop(), this.reconcile.stop()]);
  }
}
