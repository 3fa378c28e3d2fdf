import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { ChannelPostsReconciler } from './channel-posts.reconciler';

/** Runs a channel-posts reconciler pass every RECONCILE_INTERVAL_MS, never two at once. */
@Injectable()
export class ChannelPostsReconcilerLoop implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ChannelPostsReconcilerLoop.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(private readonly reconciler: ChannelPostsReconciler, private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.reconciler.pass()
        .catch((err) => this.logger.warn(`channel posts reconcile pass failed: ${(err as Error).message}`))
        .finally(() => this.schedule(this.config.RECONCILE_INTERVAL_MS));
    }, delay);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
