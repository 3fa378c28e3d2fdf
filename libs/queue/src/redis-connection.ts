import Redis, { RedisOptions } from 'ioredis';

/** Longest wait between two reconnection attempts. */
export const RECONNECT_MAX_MS = 500;

/**
 * Every connection tries again at most RECONNECT_MAX_MS apart, however long Redis was away,
 * so work resumes within about that once it answers. (Bull's own default backs off
 * exponentially up to 20 s: after a 6 s outage, workers came back 5-8 s late.)
 */
export const reconnectDelay = (attempt: number) => Math.min(50 * attempt, RECONNECT_MAX_MS);

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
    retryStrategy: reconnectDelay,
  };
}

/**
 * Every Redis connection of ours (Bull's and the abort bus'): REDIS_URL, and how it rides out
 * an outage. It reconnects for ever (reconnectDelay: at most RECONNECT_MAX_MS apart), so it
 * is back within about that once Redis is. A command issued meanwhile fails at the next failed reconnect attempt (at most about a
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
