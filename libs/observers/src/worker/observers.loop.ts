import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@app/common';
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
  private readonly logger = new Logger(ObserversLoop.name);
  private stopped = false;
  private dispatchTimer?: NodeJS.Timeout;
  private reconcileTimer?: NodeJS.Timeout;
  private dispatching?: Promise<unknown>;
  private reconciling?: Promise<unknown>;
  private wakeRequested = false;

  constructor(
    private readonly dispatcher: EventDispatcherService,
    private readonly reconciler: DeliveryReconcilerService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.scheduleDispatch(0);
    this.scheduleReconcile(this.config.RECONCILE_INTERVAL_MS);
  }

  /** Dispatch now (e.g. right after a transition in this process) instead of at the next tick. */
  wake(): void {
    if (this.stopped) return;
    if (this.dispatching) {
      this.wakeRequested = true;
      return;
    }
    this.scheduleDispatch(0);
  }

  private scheduleDispatch(delay: number): void {
    if (this.stopped) return;
    clearTimeout(this.dispatchTimer);
    this.dispatchTimer = setTimeout(() => {
      this.wakeRequested = false;
      let full = false;
      this.dispatching = this.dispatcher.dispatchBatch()
        .then((n) => { full = n >= DISPATCH_BATCH; })
        .catch((err) => this.logger.warn(`event dispatch failed: ${(err as Error).message}`))
        .finally(() => {
          this.dispatching = undefined;
          this.scheduleDispatch(full || this.wakeRequested ? 0 : DISPATCH_INTERVAL_MS);
        });
    }, delay);
  }

  private scheduleReconcile(delay: number): void {
    if (this.stopped) return;
    this.reconcileTimer = setTimeout(() => {
      this.reconciling = this.reconciler.pass()
        .catch((err) => this.logger.warn(`delivery reconcile failed: ${(err as Error).message}`))
        .finally(() => {
          this.reconciling = undefined;
          this.scheduleReconcile(this.config.RECONCILE_INTERVAL_MS);
        });
    }, delay);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.dispatchTimer);
    clearTimeout(this.reconcileTimer);
    await Promise.all([this.dispatching, this.reconciling]);
  }
}
