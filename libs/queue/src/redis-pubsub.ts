import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { AppConfig } from '@app/common';
import { createRedis } from './redis-connection';

type MessageListener = (message: string) => void;

/**
 * Redis pub/sub for the whole process: one connection that publishes and one that
 * subscribes, whatever the number of channels and listeners (the abort bus, the events
 * ping). Channels are named by the caller, under QUEUE_PREFIX.
 */
@Injectable()
export class RedisPubSub implements OnApplicationShutdown {
  private publisher?: Redis;
  private subscriber?: Redis;
  private readonly channels = new Map<string, { listeners: Set<MessageListener>; ready: Promise<unknown> }>();

  constructor(private readonly config: AppConfig) {}

  /** Rejects when Redis does not take it; callers decide what a lost message costs. */
  async publish(channel: string, message: string): Promise<void> {
    this.publisher ??= createRedis(this.config.REDIS_URL);
    await this.publisher.publish(channel, message);
  }

  /** Resolves once Redis confirmed the subscription (at once for a channel already subscribed). */
  async subscribe(channel: string, listener: MessageListener): Promise<void> {
    if (!this.subscriber) {
      this.subscriber = createRedis(this.config.REDIS_URL, { maxRetriesPerRequest: null });
      this.subscriber.on('message', (ch: string, message: string) => {
        for (const l of this.channels.get(ch)?.listeners ?? []) l(message);
      });
    }
    let entry = this.channels.get(channel);
    if (!entry) {
      entry = { listeners: new Set(), ready: this.subscriber.subscribe(channel) };
      this.channels.set(channel, entry);
    }
    entry.listeners.add(listener);
    await entry.ready;
  }

  /** After beforeApplicationShutdown: messages keep arriving during the shutdown grace. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.publisher?.quit(), this.subscriber?.quit()].map((p) => p?.catch(() => undefined)));
  }
}
