import Redis, { RedisOptions } from 'ioredis';

/**
 * One place that turns REDIS_URL into clients, so host, port, user, password,
 * db index and TLS (rediss://) are all honoured the same way everywhere.
 */
export function createRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { lazyConnect: false, ...extra });
}
