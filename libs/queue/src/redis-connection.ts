import Redis, { Cluster, ClusterOptions, RedisOptions } from 'ioredis';
import type { RedisTopology } from '@app/common';

/** Longest wait between two reconnection attempts. */
export const RECONNECT_MAX_MS = 500;

/**
 * Every connection tries again at most RECONNECT_MAX_MS apart, however long Redis was away,
 * so work resumes within about that once it answers. (Bull's own default backs off
 * exponentially up to 20 s: after a 6 s outage, workers came back 5-8 s late.)
 */
export const reconnectDelay = (attempt: number) => Math.min(50 * attempt, RECONNECT_MAX_MS);

/** A connection to one Redis (direct or through Sentinel) or to a Redis Cluster: the same commands. */
export type RedisClient = Redis | Cluster;

/**
 * REDIS_URL as ioredis options: host, port, user, password, db index (redis://h:6379/3)
 * and TLS (rediss://).
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

export interface RedisSettings {
  REDIS_URL: string;
  REDIS_TIMEOUT_MS: number;
  /** AppConfig's; none: the one Redis of REDIS_URL. */
  readonly redisTopology?: RedisTopology;
}

/**
 * How every connection of ours rides out an outage. It reconnects for ever (reconnectDelay: at
 * most RECONNECT_MAX_MS apart), so it is back within about that once Redis is. A command
 * issued meanwhile fails at the next failed reconnect attempt (at most about a second, or
 * REDIS_TIMEOUT_MS when connects hang) with ioredis' MaxRetriesPerRequestError (a 503 where a
 * request awaits it), instead of queueing for minutes under ioredis' and Bull's defaults. The
 * offline queue stays on: Bull issues commands before its connections are up. Bull's blocking
 * and subscriber connections keep maxRetriesPerRequest null: they wait for Redis however long
 * it takes (see createBullClient). Non-blocking connections also get a command timeout (Bull's
 * command connection, the broadcasts' publisher), for a Redis that accepts connections but
 * does not answer.
 *
 * With REDIS_SENTINELS, the master is the one the sentinels name (asked again after each
 * disconnect, so a failover is followed); REDIS_URL gives its user, password, db and TLS.
 */
export function redisConnectionOptions(config: RedisSettings): RedisOptions {
  const fromUrl = redisOptionsFromUrl(config.REDIS_URL);
  const common: RedisOptions = { ...fromUrl, connectTimeout: config.REDIS_TIMEOUT_MS, maxRetriesPerRequest: 0 };
  const topology = config.redisTopology ?? { kind: 'single' };
  if (topology.kind !== 'sentinel') return common;
  const { host: _host, port: _port, ...master } = common;
  return {
    ...master,
    sentinels: topology.sentinels,
    name: topology.name,
    ...(topology.sentinelPassword ? { sentinelPassword: topology.sentinelPassword } : {}),
    ...(master.tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
    sentinelRetryStrategy: reconnectDelay,
  };
}

/** What one caller tunes on its connection; on a cluster each setting lands where ioredis reads it. */
export interface ConnectionTuning {
  commandTimeout?: number;
  maxRetriesPerRequest?: number | null;
  enableAutoPipelining?: boolean;
  enableOfflineQueue?: boolean;
  enableReadyCheck?: boolean;
  lazyConnect?: boolean;
}

/**
 * A Redis Cluster client: the seed nodes are asked for the slot map, commands go to the node
 * owning their key (following MOVED/ASK after a resharding or failover). REDIS_URL gives the
 * nodes' user, password and TLS; the cluster reconnects like a single connection.
 */
export function clusterOptions(config: RedisSettings, tuning: ConnectionTuning = {}): ClusterOptions {
  const { username, password, tls } = redisOptionsFromUrl(config.REDIS_URL);
  const { enableAutoPipelining, enableOfflineQueue, lazyConnect, ...perNode } = tuning;
  return {
    clusterRetryStrategy: reconnectDelay,
    slotsRefreshTimeout: config.REDIS_TIMEOUT_MS,
    ...(enableAutoPipelining !== undefined ? { enableAutoPipelining } : {}),
    ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
    ...(lazyConnect !== undefined ? { lazyConnect } : {}),
    redisOptions: {
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      // Node names differ from the seed's: no fixed servername.
      ...(tls ? { tls: {} } : {}),
      connectTimeout: config.REDIS_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
      ...perNode,
    },
  };
}

/**
 * The one connection factory: every Redis connection of the service (Bull's, the broadcasts',
 * the health check's through Bull) is made here, for the topology the config names.
 */
export function createRedis(config: RedisSettings, tuning: ConnectionTuning = {}): RedisClient {
  const topology = config.redisTopology ?? { kind: 'single' };
  const client = topology.kind === 'cluster'
    ? new Cluster(topology.nodes, clusterOptions(config, tuning))
    : new Redis({ ...redisConnectionOptions(config), ...tuning });
  // Failures reach the callers of its commands; without a listener ioredis prints each reconnect error.
  client.on('error', () => undefined);
  return client;
}

export interface BullKeySettings extends RedisSettings {
  QUEUE_PREFIX: string;
}

/**
 * Bull's key prefix: QUEUE_PREFIX, in braces on a cluster (`{agent-jobs}`). Bull's Lua scripts
 * and MULTIs touch several keys of a queue at once, which a cluster allows only within one hash
 * slot; a hash tag makes Redis hash only the part in braces, so every key of every queue (and
 * the epoch marker beside them) is in one slot.
 */
export function bullPrefix(config: BullKeySettings): string {
  return config.redisTopology?.kind === 'cluster' ? `{${config.QUEUE_PREFIX}}` : config.QUEUE_PREFIX;
}

export type BullClientType = 'client' | 'subscriber' | 'bclient';

/**
 * Bull's createClient. Its command connection auto-pipelines (commands issued in one tick, a
 * batch of tasks claimed or finished together by StatementBatcher then their Bull calls, go
 * out in one socket write) and has the command timeout. Its blocking connection must not
 * pipeline (concurrent BRPOPLPUSH calls would share one pipeline and each wait for all the
 * others to time out) and, like its subscriber, waits for Redis however long it takes (Bull
 * refuses these two with a ready check or a retry limit). Bull closes only connections it made
 * itself: BullConnections hands these to it.
 */
export function createBullClient(config: RedisSettings, type: BullClientType): RedisClient {
  if (type === 'client') return createRedis(config, { enableReadyCheck: false, enableAutoPipelining: true, commandTimeout: config.REDIS_TIMEOUT_MS });
  return createRedis(config, { enableReadyCheck: false, maxRetriesPerRequest: null });
}
