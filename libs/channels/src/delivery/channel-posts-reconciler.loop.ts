import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, PeriodicLoop } from '@app/common';
import { ChannelPostsReconciler } from './channel-posts.reconciler';

/** Runs a channel-posts reconciler pass every RECONCILE_INTERVAL_MS, never two at once. */
@Injectable()
export class ChannelPostsReconcilerLoop extends PeriodicLoop {
  constructor(reconciler: ChannelPostsReconciler, config: AppConfig) {
    super({
      name: 'channel posts reconcile pass',
      intervalMs: () => config.RECONCILE_INTERVAL_MS,
      pass: () => reconciler.pass(),
      logger: new Logger(ChannelPostsReconcilerLoop.name),
    });
  }
}
