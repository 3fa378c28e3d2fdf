import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import type Redis from 'ioredis';
import { createRedis, RedisSettings } from './redis-connection';

/**
 * A rate-limit check waits this long for Redis at most, then the request is served unchecked
 * (the limiter fails open): a limit is a protection, not the truth, so a frozen Redis must not
 * hold every request for REDIS_TIMEOUT_MS. (The same reasoning as a broadcast's publish.)
 */
export const RATE_LIMIT_REDIS_TIMEOUT_MS = 1000;

type Counting = Redis & {
  rateLimitHit(hitKey: string, blockKey: string, name: string, ttl: number, limit: number, block: number): Promise<unknown>;
};

/**
 * @nest-lab/throttler-storage-redis on a connection of ours (REDIS_URL, the reconnect rules of
 * libs/queue; keys under QUEUE_PREFIX, see RateLimitGuard), counting with the library's own
 * script in one round trip per request. The library sends the whole script with EVAL each time
 * (Redis hashes it again on every call); here it is an ioredis command, EVALSHA, with EVAL only
 * after a NOSCRIPT (Redis restarted). The offline queue is off: while Redis is away a check
 * fails at once, and the guard serves the request, instead of waiting for a reconnect.
 */
export class RedisRateLimitStorage extends ThrottlerStorageRedisService {
  private closed = false;

  constructor(config: RedisSettings) {
    const redis = createRedis(config, { enableOfflineQueue: false, commandTimeout: RATE_LIMIT_REDIS_TIMEOUT_MS, enableAutoPipelining: true });
    super(redis as Redis); // a Cluster on a cluster topology: the library takes either
    redis.defineCommand('rateLimitHit', { numberOfKeys: 2, lua: this.scriptSrc });
  }

  override async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    // The library's key layout: one hash tag, so both keys are in one Redis Cluster slot.
    const base = `{${key}:${throttlerName}}`;
    const answer = await (this.redis as Counting).rateLimitHit(`${base}:hits`, `${base}:blocked`, throttlerName, ttl, limit, blockDuration);
    const [totalHits, timeToExpire, isBlocked, timeToBlockExpire] = Array.isArray(answer) ? answer.map(Number) : [];
    if (![totalHits, timeToExpire, isBlocked, timeToBlockExpire].every(Number.isFinite)) {
      throw new TypeError(`unexpected rate-limit script answer: ${JSON.stringify(answer)}`);
    }
    return {
      totalHits,
      timeToExpire: Math.ceil(timeToExpire / 1000),
      isBlocked: isBlocked === 1,
      timeToBlockExpire: Math.ceil(timeToBlockExpire / 1000),
    };
  }

  override onModuleDestroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.redis.disconnect(false);
  }
}
