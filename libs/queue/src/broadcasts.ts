import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { createRedis, RedisClient } from './redis-connection';

/** A broadcast is a hint, never the truth (Postgres is): a publish waits this long at most. */
const PUBLISH_TIMEOUT_MS = 1000;

export interface BroadcastListener {
  message(payload: unknown): void;
  /**
   * Called once the subscription is back after the connection to Redis was lost: messages
   * published meanwhile are gone, so whatever they would have told must be assumed (e.g. a
   * cache drops everything).
   */
  resync?(): void;
}

/**
 * Messages to every process of the deployment over Redis pub/sub, on `<QUEUE_PREFIX>:<topic>`:
 * one publisher and one subscriber connection per process, shared by every topic (job aborts,
 * cache invalidations). On a Redis Cluster these are classic (not sharded) PUBLISH/SUBSCRIBE,
 * which the cluster forwards to every node: a subscriber on any node hears a publish on any other.
 */
@Injectable()
export class Broadcasts implements OnApplicationShutdown {
  private readonly logger = new Logger(Broadcasts.name);
  private publisher?: RedisClient;
  private subscriber?: RedisClient;
  private readonly listeners = new Map<string, Set<BroadcastListener>>();

  constructor(private readonly config: AppConfig) {}

  /**
   * False (and a warning) when Redis did not confirm the message in time; it may still go out
   * once Redis is back, which a hint can afford.
   */
  async publish(topic: string, payload: unknown): Promise<boolean> {
    this.publisher ??= createRedis(this.config, { commandTimeout: PUBLISH_TIMEOUT_MS });
    try {
      await this.publisher.publish(this.channel(topic), JSON.stringify(payload));
      return true;
    } catch (err) {
      this.logger.warn(`${topic} message not broadcast: ${(err as Error).message}`);
      return false;
    }
  }

  /** Resolves once Redis has confirmed the subscription (it waits for Redis to be reachable). */
  async subscribe(topic: string, listener: BroadcastListener): Promise<void> {
    const channel = this.channel(topic);
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener);
    await this.connection().subscribe(channel);
  }

  private connection(): RedisClient {
    if (this.subscriber) return this.subscriber;
    const sub = createRedis(this.config, { maxRetriesPerRequest: null });
    sub.on('message', (channel, message) => {
      let payload: unknown;
      try {
        payload = JSON.parse(message);
      } catch {
        return this.logger.warn(`ignored a malformed message on ${channel}`);
      }
      for (const l of this.listeners.get(channel) ?? []) l.message(payload);
    });
    let lost = false;
    sub.on('close', () => { lost = true; });
    sub.on('ready', () => {
      if (!lost) return;
      lost = false;
      // ioredis resubscribes by itself; this SUBSCRIBE is answered after that one, so once it
      // resolves the subscription is live again and nothing published later can be missed.
      const channels = [...this.listeners.keys()];
      if (!channels.length) return;
      sub.subscribe(...channels).then(
        () => channels.forEach((c) => this.listeners.get(c)?.forEach((l) => l.resync?.())),
        (err) => this.logger.warn(`resubscribe failed: ${(err as Error).message}`),
      );
    });
    return (this.subscriber = sub);
  }

  private channel(topic: string): string {
    return `${this.config.QUEUE_PREFIX}:${topic}`;
  }

  /** After beforeApplicationShutdown: aborts keep reaching running tasks during the shutdown grace. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.publisher?.quit(), this.subscriber?.quit()].map((p) => p?.catch(() => undefined)));
  }
}
