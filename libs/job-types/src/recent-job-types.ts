import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { setTimeout as sleep } from 'node:timers/promises';
import { Broadcasts } from '@app/queue';
import type { JobTypeEntity } from './job-type.entity';

const TOPIC = 'job-types-changed';
/** A backstop only: changes are broadcast, so this bounds staleness when a broadcast is lost. */
const RECENT_MS = 1000;
/** How long a start waits for the subscription (Redis unreachable: it goes on, and catches up later). */
const SUBSCRIBE_WAIT_MS = 2000;

const keyOf = (orgId: string, id: string) => `${orgId}\u0000${id}`;

/**
 * Job types for the hot paths (create job, run task, check a result), cached per process.
 * A change (PATCH, DELETE, secret rotation) through any process is broadcast to all of them,
 * which drop their copy at once; a lost broadcast is bounded by RECENT_MS, and a lost
 * subscription drops everything when it is back. Concurrent misses share one query; a
 * failed read (404, database error) is not kept.
 */
@Injectable()
export class RecentJobTypes implements OnApplicationBootstrap {
  private readonly logger = new Logger(RecentJobTypes.name);
  private readonly cache = new LRUCache<string, Promise<JobTypeEntity>>({ max: 10_000, ttl: RECENT_MS });

  constructor(private readonly broadcasts: Broadcasts) {}

  get(orgId: string, id: string, load: () => Promise<JobTypeEntity>): Promise<JobTypeEntity> {
    const key = keyOf(orgId, id);
    const hit = this.cache.get(key);
    if (hit) return hit;
    const type = load();
    this.cache.set(key, type);
    type.catch(() => {
      if (this.cache.get(key) === type) this.cache.delete(key);
    });
    return type;
  }

  /** After a change is stored: this process drops its copy now, the others when the broadcast lands. */
  async changed(orgId: string, id: string): Promise<void> {
    this.cache.delete(keyOf(orgId, id));
    await this.broadcasts.publish(TOPIC, { org_id: orgId, id });
  }

  async onApplicationBootstrap(): Promise<void> {
    const subscribed = this.broadcasts.subscribe(TOPIC, {
      message: (m) => {
        const { org_id, id } = (m ?? {}) as { org_id?: unknown; id?: unknown };
        if (typeof org_id === 'string' && typeof id === 'string') this.cache.delete(keyOf(org_id, id));
      },
      resync: () => this.cache.clear(),
    });
    const ready = await Promise.race([
      subscribed.then(() => true, () => false),
      sleep(SUBSCRIBE_WAIT_MS, false, { ref: false }),
    ]);
    if (!ready) {
      this.logger.warn(`not subscribed to job type changes yet: other processes' changes are seen within ${RECENT_MS} ms until it is`);
      // Anything cached before the subscription is live may have missed a change.
      void subscribed.then(() => this.cache.clear(), () => undefined);
    }
  }
}
