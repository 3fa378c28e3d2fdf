import { bullPrefix, clusterOptions, RECONNECT_MAX_MS, reconnectDelay, redisConnectionOptions, redisOptionsFromUrl } from './redis-connection';

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

describe('the topologies', () => {
  const base = { REDIS_URL: 'redis://app:s3cret@ignored-host:6390/4', REDIS_TIMEOUT_MS: 1500, QUEUE_PREFIX: 'agent-jobs' };

  it('through Sentinel: asks the sentinels for the master, with the URL\'s user, password and db', () => {
    const options = redisConnectionOptions({
      ...base,
      redisTopology: { kind: 'sentinel', sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }], name: 'jobs', sentinelPassword: 'sp' },
    });
    expect(options).toMatchObject({
      sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }], name: 'jobs', sentinelPassword: 'sp',
      username: 'app', password: 's3cret', db: 4, connectTimeout: 1500, maxRetriesPerRequest: 0,
    });
    expect(options.host).toBeUndefined();
    expect(options.sentinelRetryStrategy!(1000)).toBe(RECONNECT_MAX_MS);
  });

  it('on a cluster: per-node settings in redisOptions, cluster-wide ones on the cluster', () => {
    const options = clusterOptions({ ...base, REDIS_URL: 'rediss://app:s3cret@seed:7000' }, { enableAutoPipelining: true, commandTimeout: 900, maxRetriesPerRequest: null, enableReadyCheck: false });
    expect(options).toMatchObject({ enableAutoPipelining: true, slotsRefreshTimeout: 1500 });
    expect(options.redisOptions).toEqual({ username: 'app', password: 's3cret', tls: {}, connectTimeout: 1500, maxRetriesPerRequest: null, commandTimeout: 900, enableReadyCheck: false });
    expect(options.clusterRetryStrategy!(1000, new Error('down'))).toBe(RECONNECT_MAX_MS);
  });

  it('puts Bull\'s prefix in a hash tag on a cluster only', () => {
    expect(bullPrefix(base)).toBe('agent-jobs');
    expect(bullPrefix({ ...base, redisTopology: { kind: 'sentinel', sentinels: [{ host: 's', port: 1 }], name: 'm' } })).toBe('agent-jobs');
    expect(bullPrefix({ ...base, redisTopology: { kind: 'cluster', nodes: [{ host: 'n', port: 7000 }] } })).toBe('{agent-jobs}');
  });
});
