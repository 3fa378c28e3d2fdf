import { RECONNECT_MAX_MS, reconnectDelay, redisConnectionOptions, redisOptionsFromUrl } from './redis-connection';

describe('redisOptionsFromUrl', () => {
  it('honours host, port, user, password and db index', () => {
    expect(redisOptionsFromUrl('redis://user:p%40ss@cache.internal:6380/3')).toEqual({
      host: 'cache.internal', port: 6380, username: 'user', password: 'p@ss', db: 3, retryStrategy: reconnectDelay,
    });
  });

  it('defaults the port and db, and turns rediss:// into TLS', () => {
    expect(redisOptionsFromUrl('rediss://redis.example.com')).toEqual({
      host: 'redis.example.com', port: 6379, tls: { servername: 'redis.example.com' }, retryStrategy: reconnectDelay,
    });
  });

  it('accepts a password without a user', () => {
    expect(redisOptionsFromUrl('redis://:secret@127.0.0.1:6379/0')).toMatchObject({ password: 'secret', db: 0 });
  });

  it('reconnects at most RECONNECT_MAX_MS apart, however long Redis was away', () => {
    expect([1, 2, 5].map(reconnectDelay)).toEqual([50, 100, 250]);
    expect(reconnectDelay(1000)).toBe(RECONNECT_MAX_MS);
  });
});

describe('redisConnectionOptions', () => {
  const options = redisConnectionOptions({ REDIS_URL: 'redis://cache.internal:6380/2', REDIS_TIMEOUT_MS: 1500 });

  it('keeps the URL and bounds the connect', () => {
    expect(options).toMatchObject({ host: 'cache.internal', port: 6380, db: 2, connectTimeout: 1500 });
  });

  it('fails a command during an outage instead of queueing it, and reconnects for ever within a second', () => {
    expect(options.maxRetriesPerRequest).toBe(0);
    const delays = [1, 2, 5, 10, 100, 10_000].map((attempt) => options.retryStrategy!(attempt));
    expect(delays.every((d) => typeof d === 'number' && d > 0 && d <= 1000)).toBe(true);
  });
});
