import { ConfigError, loadConfig } from './app-config';
import { parseHostPorts } from './redis-topology';

const load = (env: NodeJS.ProcessEnv) => loadConfig({ NODE_ENV: 'test', ...env });
const problemsOf = (env: NodeJS.ProcessEnv): string => {
  try {
    load(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the configuration was accepted');
};

describe('Redis topology settings', () => {
  it('is one Redis by default', () => {
    expect(load({}).redisTopology).toEqual({ kind: 'single' });
  });

  it('reads Sentinel settings', () => {
    expect(load({ REDIS_SENTINELS: 'sentinel-a:26379, 10.0.0.2:26380,[::1]:26381', REDIS_SENTINEL_NAME: 'jobs', REDIS_SENTINEL_PASSWORD: 'pw' }).redisTopology).toEqual({
      kind: 'sentinel', name: 'jobs', sentinelPassword: 'pw',
      sentinels: [{ host: 'sentinel-a', port: 26379 }, { host: '10.0.0.2', port: 26380 }, { host: '::1', port: 26381 }],
    });
  });

  it('reads cluster nodes', () => {
    expect(load({ REDIS_CLUSTER_NODES: 'n1:7000,n2:7001' }).redisTopology).toEqual({ kind: 'cluster', nodes: [{ host: 'n1', port: 7000 }, { host: 'n2', port: 7001 }] });
  });

  it.each([
    ['both set', { REDIS_SENTINELS: 's:26379', REDIS_SENTINEL_NAME: 'm', REDIS_CLUSTER_NODES: 'n:7000' }, 'REDIS_SENTINELS and REDIS_CLUSTER_NODES: set one of them'],
    ['a node without a port', { REDIS_CLUSTER_NODES: 'n1:7000,n2' }, 'REDIS_CLUSTER_NODES: "n2" is not host:port'],
    ['a port out of range', { REDIS_CLUSTER_NODES: 'n1:70000' }, 'REDIS_CLUSTER_NODES: "n1:70000" is not host:port'],
    ['an empty entry', { REDIS_SENTINELS: 's1:26379,,s2:26379', REDIS_SENTINEL_NAME: 'm' }, 'REDIS_SENTINELS: an empty entry'],
    ['a URL instead of host:port', { REDIS_SENTINELS: 'redis://s1:26379', REDIS_SENTINEL_NAME: 'm' }, 'REDIS_SENTINELS: "redis://s1:26379" is not host:port'],
    ['sentinels without a master name', { REDIS_SENTINELS: 's1:26379' }, 'REDIS_SENTINEL_NAME: required with REDIS_SENTINELS'],
    ['a master name without sentinels', { REDIS_SENTINEL_NAME: 'm' }, 'only used with REDIS_SENTINELS, which is not set'],
    ['a db index on a cluster', { REDIS_CLUSTER_NODES: 'n1:7000', REDIS_URL: 'redis://n1:7000/2' }, 'REDIS_URL: a Redis Cluster has database 0 only'],
  ])('refuses %s at start, naming the variable', (_case, env, message) => {
    expect(problemsOf(env)).toContain(message);
  });

  it('accepts db 0 on a cluster, and treats empty values as unset', () => {
    expect(load({ REDIS_CLUSTER_NODES: 'n1:7000', REDIS_URL: 'redis://n1:7000/0', REDIS_SENTINELS: '' }).redisTopology.kind).toBe('cluster');
  });

  it('parses IPv6 hosts in brackets only', () => {
    expect(parseHostPorts('X', '[fe80::1]:6379')).toEqual([{ host: 'fe80::1', port: 6379 }]);
    expect(() => parseHostPorts('X', 'fe80::1:6379')).toThrow('X: "fe80::1:6379" is not host:port');
  });
});
