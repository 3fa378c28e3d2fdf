import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig, PeriodicTask } from '@app/common';
import { ChannelPostsReconciler } from './channel-posts.reconciler';

/** Runs a channel-posts reconciler pass every RECONCILE_INTERVAL_MS, never two at once. */
@Injectable()
export class ChannelPostsReconcilerLoop implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask;

  constructor(reconciler: ChannelPostsReconciler, config: AppConfig) {
    this.task = new PeriodicTask({
      name: 'channel posts reconcile pass',
      intervalMs: () => config.RECONCILE_INTERVAL_MS,
      pass: () => reconciler.pass(),
      logger: new Logger(ChannelPostsReconcilerLoop.name),
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }
}
