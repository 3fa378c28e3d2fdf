import Redis, { RedisOptions } from 'ioredis';

/**
 * REDIS_URL as ioredis options: host, port, user, password, db index (redis://h:6379/3)
 * and TLS (rediss://). Bull gets options rather than clients so that it owns and closes them.
 */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname.replace(/^\//, '');
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: { servername: u.hostname } } : {}),
  };
}

/**
 * Every Redis connection of ours (Bull's and the abort bus'): REDIS_URL, and how it rides out
 * an outage. It reconnects for ever, every 0.1-1 s, so it is back about a second after Redis
 * is. A command issued meanwhile fails at the next failed reconnect attempt (at most about a
 * second, or REDIS_TIMEOUT_MS when connects hang) with ioredis'
 * MaxRetriesPerRequestError (a 503 where a request awaits it), instead of queueing for
 * minutes under ioredis' and Bull's defaults. The offline queue stays on: Bull issues commands
 * before its connections are up. Bull's blocking and subscriber connections keep
 * maxRetriesPerRequest null (Bull sets it): they wait for Redis however long it takes.
 * Non-blocking connections also get a command timeout (QueueCommandConnections, the abort
 * bus' publisher), for a Redis that accepts connections but does not answer.
 */
export function redisConnectionOptions(config: RedisSettings): RedisOptions {
  return {
    ...redisOptionsFromUrl(config.REDIS_URL),
    connectTimeout: config.REDIS_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
  };
}

export interface RedisSettings {
  REDIS_URL: string;
  REDIS_TIMEOUT_MS: number;
}

export function createRedis(config: RedisSettings, extra: RedisOptions = {}): Redis {
  const client = new Redis({ ...redisConnectionOptions(config), ...extra });
  // Failures reach the callers of its commands; without a listener ioredis prints each reconnect error.
  client.on('error', () => undefined);
  return client;
}
