import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '@app/common';
import { bullPrefix } from './redis-connection';
import { AGENT_TASKS_QUEUE, CHANNEL_POSTS_QUEUE, WEBHOOK_DELIVERIES_QUEUE } from './queue-names';

/** What Bull keeps in memory of a queue's delayed set (not in its typings). */
interface DelayTimerInternals {
  _initializingProcess?: Promise<unknown>;
  delayedTimestamp: number;
  updateDelayTimer(): Promise<unknown>;
}

/**
 * Tells when Redis lost its data (restarted empty, flushed, failed over to an empty replica).
 * A marker key under Bull's prefix holds a random value that Redis keeps as long as it keeps
 * anything else; a value other than the one this process saw last (or none) means that what
 * Bull held may be gone. Checked by the reconciler on every pass, and the reconciler is woken
 * as soon as a connection is ready again (onReconnect), so a loss is noticed within about a
 * second of Redis answering.
 */
@Injectable()
export class RedisEpoch {
  private readonly logger = new Logger(RedisEpoch.name);
  private readonly key: string;
  private seen: string | null = null;
  private readonly lossListeners = new Set<() => void>();
  private readonly reconnectListeners = new Set<() => void>();
  private readonly queues: Queue[];

  constructor(
    @InjectQueue(AGENT_TASKS_QUEUE) tasks: Queue,
    @InjectQueue(CHANNEL_POSTS_QUEUE) posts: Queue,
    @InjectQueue(WEBHOOK_DELIVERIES_QUEUE) webhooks: Queue,
    config: AppConfig,
  ) {
    // Beside Bull's keys, in their slot on a cluster: the node that loses them loses it too.
    this.key = `${bullPrefix(config)}:epoch`;
    this.queues = [tasks, posts, webhooks];
    tasks.client.on('ready', () => { for (const l of this.reconnectListeners) l(); });
  }

  /** Called when a loss is noticed (e.g. a cache of what Bull holds must be forgotten). */
  onLoss(listener: () => void): void {
    this.lossListeners.add(listener);
  }

  /** Called each time the connection to Redis is (again) ready. */
  onReconnect(listener: () => void): void {
    this.reconnectListeners.add(listener);
  }

  /**
   * True when Redis holds another epoch than the one this process saw last: it lost its data,
   * or this is the first look. False as well when Redis cannot be asked (the next pass asks again).
   */
  async changed(): Promise<boolean> {
    let current: string;
    try {
      const client = this.queues[0].client;
      const [, [err, value]] = (await client.pipeline().set(this.key, randomUUID(), 'NX').get(this.key).exec()) ?? [[], []];
      if (err || typeof value !== 'string') return false;
      current = value;
    } catch {
      return false;
    }
    if (current === this.seen) return false;
    if (this.seen !== null) this.logger.warn('Redis lost its data: re-adding from Postgres what Bull should hold');
    this.seen = current;
    for (const l of this.lossListeners) l();
    this.restartDelayTimers();
    return true;
  }

  /**
   * Bull moves a due delayed job only when its in-memory timer says the earliest one is due, and
   * it lowers that timer only for a job due earlier than the one it remembers: after a loss that
   * memory is stale (a job that no longer exists), so jobs added again would wait for Bull's
   * 5 s guard. Forget it and read the delayed set again (processing queues only: the others run
   * no timer).
   */
  private restartDelayTimers(): void {
    for (const queue of this.queues) {
      const q = queue as unknown as DelayTimerInternals;
      if (!q._initializingProcess) continue;
      q.delayedTimestamp = Number.MAX_VALUE;
      void q.updateDelayTimer().catch(() => undefined);
    }
  }
}
