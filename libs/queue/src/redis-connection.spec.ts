import { redisOptionsFromUrl } from './redis-connection';

describe('redisOptionsFromUrl', () => {
  it('honours host, port, user, password and db index', () => {
    expect(redisOptionsFromUrl('redis://user:p%40ss@cache.internal:6380/3')).toEqual({
      host: 'cache.internal', port: 6380, username: 'user', password: 'p@ss', db: 3,
    });
  });

  it('defaults the port and db, and turns rediss:// into TLS', () => {
    expect(redisOptionsFromUrl('rediss://redis.example.com')).toEqual({
      host: 'redis.example.com', port: 6379, tls: { servername: 'redis.example.com' },
    });
  });

  it('accepts a password without a user', () => {
    expect(redisOptionsFromUrl('redis://:secret@127.0.0.1:6379/0')).toMatchObject({ password: 'secret', db: 0 });
  });
});
