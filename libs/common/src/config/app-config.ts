import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';
import { RedisTopology, redisTopologyOf } from './redis-topology';

const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : ['true', '1', 'yes'].includes(String(value).toLowerCase());
const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/** The highest per-minute rate limit the config or a token may set. */
export const MAX_RATE_PER_MINUTE = 10_000_000;

export const DEV_JWT_SECRET = 'dev-only-insecure-jwt-secret-change-me';
export const DEV_ENCRYPTION_KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

/** Every setting the service reads, validated once at boot (fail fast, clear message). */
export class AppConfig {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/agent_jobs';

  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Sentinels to ask for the master (`host:port,host:port`); REDIS_URL then gives only its user, password, db and TLS. */
  @IsOptional() @IsString()
  REDIS_SENTINELS?: string;

  /** The master name the sentinels monitor (required with REDIS_SENTINELS). */
  @IsOptional() @IsString()
  REDIS_SENTINEL_NAME?: string;

  /** The sentinels' own password (requirepass of the sentinel processes), when they have one. */
  @IsOptional() @IsString()
  REDIS_SENTINEL_PASSWORD?: string;

  /** Redis Cluster seed nodes (`host:port,host:port`); REDIS_URL then gives only the user, password and TLS. */
  @IsOptional() @IsString()
  REDIS_CLUSTER_NODES?: string;

  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  @IsOptional() @IsString() @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET?: string;

  @IsString()
  JWT_ISSUER = 'agent-jobs';

  @IsString()
  JWT_AUDIENCE = 'agent-jobs-api';

  @Transform(toBool) @IsBoolean()
  OUTBOUND_ALLOW_PRIVATE_NETWORKS = false;

  @Transform(toInt) @IsInt() @Min(100)
  OUTBOUND_CONNECT_TIMEOUT_MS = 5000;

  @Transform(toInt) @IsInt() @Min(1024)
  OUTBOUND_MAX_RESPONSE_BYTES = 1_048_576;

  @Matches(/^[A-Za-z0-9:_-]+$/, { message: 'QUEUE_PREFIX may hold letters, digits, ":", "_" and "-"' })
  QUEUE_PREFIX = 'agent-jobs';

  /** HTTP processes sharing PORT (node:cluster), e.g. one per core; the worker part of `npm start` runs in the first. */
  @Transform(toInt) @IsInt() @Min(1) @Max(64)
  API_PROCESSES = 1;

  @Transform(toInt) @IsInt() @Min(1) @Max(1000)
  WORKER_CONCURRENCY = 50;

  @Transform(toInt) @IsInt() @Min(1) @Max(500)
  DB_POOL_SIZE = 20;

  /** Longest wait for a Postgres connection (a new one's connect, or a free pooled one); past it the request is a 503. */
  @Transform(toInt) @IsInt() @Min(100) @Max(60000)
  DB_CONNECT_TIMEOUT_MS = 5000;

  /** Connect timeout of each Redis connection, and the longest wait for a command's answer (not Bull's blocking reads). */
  @Transform(toInt) @IsInt() @Min(100) @Max(60000)
  REDIS_TIMEOUT_MS = 5000;

  @Transform(toInt) @IsInt() @Min(0) @Max(5000)
  TOKEN_CACHE_TTL_MS = 2000;

  @Transform(toInt) @IsInt() @Min(100)
  RECONCILE_INTERVAL_MS = 1000;

  /** How often a worker process records in Postgres that it is alive. */
  @Transform(toInt) @IsInt() @Min(100) @Max(60000)
  WORKER_HEARTBEAT_MS = 1000;

  /** A worker silent this long is dead: its running tasks are handed to other workers. At least 3 heartbeats. */
  @Transform(toInt) @IsInt() @Min(300)
  WORKER_DEAD_AFTER_MS = 5000;

  @Transform(toInt) @IsInt() @Min(0)
  SHUTDOWN_GRACE_MS = 10000;

  /** Slack Web API base; tests point it at a local server that speaks Slack's API. */
  @Matches(/^https?:\/\//, { message: 'SLACK_API_URL must be an http(s) URL' })
  SLACK_API_URL = 'https://slack.com/api/';

  /** Single-tenant setups: the bot token used for orgs that did not set their own. */
  @IsOptional() @IsString()
  SLACK_BOT_TOKEN?: string;

  /** 32 bytes, base64 or hex: encrypts secrets at rest (Slack bot tokens). Dev default outside production. */
  @IsOptional() @Matches(/^([A-Fa-f0-9]{64}|[A-Za-z0-9+/]{43}=)$/, { message: 'ENCRYPTION_KEY must be 32 bytes as 64 hex characters or base64' })
  ENCRYPTION_KEY?: string;

  /**
   * Posts and webhook attempts in flight per worker process. Sized by Little's law: a worker
   * finishes a few hundred jobs/s, Slack answers in ~150 ms, so 64 in flight (~425 posts/s) keeps
   * delivery from being the bottleneck (`npm run bench -- --only delivery`, docs/slack.md).
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(500)
  DELIVERY_CONCURRENCY = 64;

  /** Channel posts (Slack, webhook channels): first retry delay after a transient error; doubles each attempt, with jitter. */
  @Transform(toInt) @IsInt() @Min(1)
  DELIVERY_BACKOFF_BASE_MS = 2000;

  @Transform(toInt) @IsInt() @Min(100)
  WEBHOOK_TIMEOUT_MS = 15000;

  @Transform(toInt) @IsInt() @Min(0) @Max(10)
  WEBHOOK_MAX_RETRIES = 3;

  /** First retry delay; each next one doubles, with jitter. */
  @Transform(toInt) @IsInt() @Min(1)
  WEBHOOK_BACKOFF_BASE_MS = 5000;

  /** openai executors: first retry delay of a model call answered 429 (without Retry-After) or 5xx; doubles, with jitter. */
  @Transform(toInt) @IsInt() @Min(1)
  MODEL_RETRY_BASE_MS = 1000;

  @Transform(toInt) @IsInt() @Min(100)
  SCHEDULE_POLL_MS = 1000;

  /** Live streams: a `: ping` comment line this often on every open stream (the spec: at least every 15 s). */
  @Transform(toInt) @IsInt() @Min(100) @Max(15000)
  STREAM_PING_INTERVAL_MS = 15000;

  /** Live streams: bytes queued for one client past which it is disconnected (it resumes with Last-Event-ID). */
  @Transform(toInt) @IsInt() @Min(1024)
  STREAM_MAX_BUFFER_BYTES = 1_048_576;

  /**
   * Org streams: how long events wait behind a lower event id that is not committed yet (a
   * transaction in flight), to go out in id order; a rolled-back id stops holding them at once.
   */
  @Transform(toInt) @IsInt() @Min(0) @Max(60000)
  STREAM_HOLE_WAIT_MS = 500;

  /** Lease of a running session turn, renewed every third of it by the API process running it; a lapsed lease (that process died) fails the turn. */
  @Transform(toInt) @IsInt() @Min(1000)
  SESSION_TURN_LEASE_MS = 30000;

  /** How often a worker deletes expired sessions (in small batches). */
  @Transform(toInt) @IsInt() @Min(100)
  SESSION_SWEEP_INTERVAL_MS = 60000;

  /** Testing knob: the length of one `ttl_hours` hour in ms (tests shorten it to watch sessions expire). */
  @Transform(toInt) @IsInt() @Min(1) @Max(3_600_000)
  SESSION_TTL_UNIT_MS = 3_600_000;

  /** Finished jobs (COMPLETED, FAILED, CANCELED) are deleted this many days after completed_at, with their subjobs and child rows; 0 keeps them forever. */
  @Transform(toInt) @IsInt() @Min(0) @Max(36500)
  RETENTION_DAYS = 30;

  /** Root jobs (and expired idempotency keys) per retention statement: small, so each holds its locks briefly. Also a clear's batch. */
  @Transform(toInt) @IsInt() @Min(1) @Max(10000)
  RETENTION_BATCH_SIZE = 200;

  /** How often a worker runs retention (batch after batch while they come full, then it waits this long). */
  @Transform(toInt) @IsInt() @Min(100)
  RETENTION_INTERVAL_MS = 60000;

  /** Base URL agents use to reach this API (task result callbacks). */
  @IsOptional() @Matches(/^https?:\/\/[^/]+(\/.*)?$/, { message: 'PUBLIC_URL must be an http(s) URL' })
  PUBLIC_URL?: string;

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  /** json: one JSON object per line (for log shippers); pretty: colored lines for a human at a terminal. */
  @IsIn(['json', 'pretty'])
  LOG_FORMAT: 'json' | 'pretty' = 'json';

  /** false: no series are recorded and GET /metrics answers 404 (the bench measures the cost of metrics with it). */
  @Transform(toBool) @IsBoolean()
  METRICS_ENABLED = true;

  /** When set, GET /metrics (and a worker's METRICS_PORT) require `Authorization: Bearer <METRICS_TOKEN>`. */
  @IsOptional() @IsString() @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters' })
  METRICS_TOKEN?: string;

  /** Worker processes: serve GET /metrics on this port (a server for that alone). Unset: no server. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(65535)
  METRICS_PORT?: number;

  /** One Redis (REDIS_URL), a Sentinel-managed master or a Cluster; loadConfig has checked the settings. */
  get redisTopology(): RedisTopology {
    const { topology, problems } = redisTopologyOf(this);
    if (!topology) throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    return topology;
  }
  /** false: no request is counted or refused (the bench measures the limiter's cost with it). */
  @Transform(toBool) @IsBoolean()
  RATE_LIMIT_ENABLED = true;

  /** Requests per minute of a token that sets no `rate_limit_per_minute` of its own. */
  @Transform(toInt) @IsInt() @Min(1) @Max(MAX_RATE_PER_MINUTE)
  RATE_LIMIT_PER_MINUTE = 1200;

  /**
   * The most requests a token may send at once: the per-minute rate is counted in windows of
   * this many requests (60 s x BURST / rate, at least 1 s), so a token cannot spend a whole
   * minute's allowance in one second.
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(MAX_RATE_PER_MINUTE)
  RATE_LIMIT_BURST = 200;

  /** Requests per minute of one task's callback token (its result, the subjobs it creates). */
  @Transform(toInt) @IsInt() @Min(1) @Max(MAX_RATE_PER_MINUTE)
  RATE_LIMIT_CALLBACK_PER_MINUTE = 120;

  /** true: the Bull Board queue dashboard (read-only) at /admin/queues, for an ADMIN token as the HTTP basic-auth password. */
  @Transform(toBool) @IsBoolean()
  BULL_BOARD = false;

  get publicUrl(): string {
    return (this.PUBLIC_URL ?? `http://127.0.0.1:${this.PORT}`).replace(/\/$/, '');
  }

  /** The encryption key in force: the configured one, or a fixed dev key outside production. */
  get encryptionKey(): Buffer {
    if (!this.ENCRYPTION_KEY) return Buffer.from(DEV_ENCRYPTION_KEY, 'hex');
    return /^[A-Fa-f0-9]{64}$/.test(this.ENCRYPTION_KEY) ? Buffer.from(this.ENCRYPTION_KEY, 'hex') : Buffer.from(this.ENCRYPTION_KEY, 'base64');
  }

  /** The JWT secret in force: the configured one, or the dev default outside production. */
  get jwtSecret(): string {
    return this.JWT_SECRET ?? DEV_JWT_SECRET;
  }
}

export class ConfigError extends Error {}

/** Settings without a default (absent unless set). */
const OPTIONAL_KEYS = [
  'JWT_SECRET', 'PUBLIC_URL', 'SLACK_BOT_TOKEN', 'ENCRYPTION_KEY', 'METRICS_TOKEN', 'METRICS_PORT',
  'REDIS_SENTINELS', 'REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_PASSWORD', 'REDIS_CLUSTER_NODES',
];

/** Validates the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  const picked: Record<string, unknown> = {};
  for (const key of [...known, ...OPTIONAL_KEYS]) if (env[key] !== undefined) picked[key] = env[key];
  const config = plainToInstance(AppConfig, picked);
  const problems = validateSync(config, { forbidUnknownValues: false }).flatMap((e) =>
    Object.values(e.constraints ?? {}).map((m) => `${e.property}: ${m}`),
  );
  if (config.NODE_ENV === 'production' && !config.JWT_SECRET) {
    problems.push('JWT_SECRET: required when NODE_ENV=production');
  }
  if (config.NODE_ENV === 'production' && !config.ENCRYPTION_KEY) {
    problems.push('ENCRYPTION_KEY: required when NODE_ENV=production');
  }
  if (config.WORKER_DEAD_AFTER_MS < 3 * config.WORKER_HEARTBEAT_MS) {
    problems.push('WORKER_DEAD_AFTER_MS: must be at least 3 x WORKER_HEARTBEAT_MS, so that a late heartbeat or two never declare a live worker dead');
  }
  problems.push(...redisTopologyOf(config).problems);
  if (problems.length) throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return config;
}
