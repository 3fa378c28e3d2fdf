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

export function createRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis({ ...redisOptionsFromUrl(url), ...extra });
}
