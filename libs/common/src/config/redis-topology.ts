/** One Redis, a master found through Sentinel, or a Redis Cluster: which one the settings name. */
export type RedisTopology =
  | { kind: 'single' }
  | { kind: 'sentinel'; sentinels: HostPort[]; name: string; sentinelPassword?: string }
  | { kind: 'cluster'; nodes: HostPort[] };

export interface HostPort {
  host: string;
  port: number;
}

export interface RedisTopologySettings {
  REDIS_URL: string;
  REDIS_SENTINELS?: string;
  REDIS_SENTINEL_NAME?: string;
  REDIS_SENTINEL_PASSWORD?: string;
  REDIS_CLUSTER_NODES?: string;
}

/**
 * `host:port,host:port` (an IPv6 host in brackets: `[::1]:26379`). Throws naming the
 * variable and the first entry that is not host:port with a port in 1-65535.
 */
export function parseHostPorts(variable: string, value: string): HostPort[] {
  const entries = value.split(',').map((e) => e.trim());
  if (entries.some((e) => e === '')) throw new Error(`${variable}: an empty entry in "${value}" (expected host:port,host:port)`);
  return entries.map((entry) => {
    const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9_.-]+)):(\d{1,5})$/.exec(entry);
    const port = m ? Number(m[3]) : NaN;
    if (!m || port < 1 || port > 65535) throw new Error(`${variable}: "${entry}" is not host:port (expected host:port,host:port)`);
    return { host: m[1] ?? m[2], port };
  });
}

/** The topology the settings name, or the problems that make them unusable (each naming its variable). */
export function redisTopologyOf(s: RedisTopologySettings): { topology?: RedisTopology; problems: string[] } {
  const problems: string[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      problems.push((err as Error).message);
      return undefined;
    }
  };
  if (s.REDIS_SENTINELS && s.REDIS_CLUSTER_NODES) {
    return { problems: ['REDIS_SENTINELS and REDIS_CLUSTER_NODES: set one of them (a Sentinel-managed master or a Redis Cluster), not both'] };
  }
  if (s.REDIS_CLUSTER_NODES) {
    const nodes = attempt(() => parseHostPorts('REDIS_CLUSTER_NODES', s.REDIS_CLUSTER_NODES!));
    const db = attempt(() => new URL(s.REDIS_URL).pathname.replace(/^\//, ''));
    if (db && db !== '0') problems.push(`REDIS_URL: a Redis Cluster has database 0 only; drop the db index "/${db}" when REDIS_CLUSTER_NODES is set`);
    if (s.REDIS_SENTINEL_NAME || s.REDIS_SENTINEL_PASSWORD) problems.push('REDIS_SENTINEL_NAME, REDIS_SENTINEL_PASSWORD: only used with REDIS_SENTINELS, not with REDIS_CLUSTER_NODES');
    return problems.length ? { problems } : { topology: { kind: 'cluster', nodes: nodes! }, problems };
  }
  if (s.REDIS_SENTINELS) {
    const sentinels = attempt(() => parseHostPorts('REDIS_SENTINELS', s.REDIS_SENTINELS!));
    if (!s.REDIS_SENTINEL_NAME) problems.push('REDIS_SENTINEL_NAME: required with REDIS_SENTINELS (the master name the sentinels monitor)');
    if (problems.length) return { problems };
    return {
      topology: { kind: 'sentinel', sentinels: sentinels!, name: s.REDIS_SENTINEL_NAME!, ...(s.REDIS_SENTINEL_PASSWORD ? { sentinelPassword: s.REDIS_SENTINEL_PASSWORD } : {}) },
      problems,
    };
  }
  if (s.REDIS_SENTINEL_NAME || s.REDIS_SENTINEL_PASSWORD) problems.push('REDIS_SENTINEL_NAME, REDIS_SENTINEL_PASSWORD: only used with REDIS_SENTINELS, which is not set');
  return problems.length ? { problems } : { topology: { kind: 'single' }, problems };
}
