import { RECONNECT_MAX_MS, reconnectDelay, redisOptionsFromUrl } from './redis-connection';

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
