import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';

const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : ['true', '1', 'yes'].includes(String(value).toLowerCase());
const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

export const DEV_JWT_SECRET = 'dev-only-insecure-jwt-secret-change-me';

/** Every setting the service reads, validated once at boot (fail fast, clear message). */
export class AppConfig {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/agent_jobs';

  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

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

  @Transform(toInt) @IsInt() @Min(1) @Max(1000)
  WORKER_CONCURRENCY = 50;

  @Transform(toInt) @IsInt() @Min(1) @Max(500)
  DB_POOL_SIZE = 20;

  @Transform(toInt) @IsInt() @Min(0) @Max(5000)
  TOKEN_CACHE_TTL_MS = 2000;

  @Transform(toInt) @IsInt() @Min(100)
  RECONCILE_INTERVAL_MS = 1000;

  @Transform(toInt) @IsInt() @Min(1000)
  TASK_LEASE_MS = 30000;

  @Transform(toInt) @IsInt() @Min(0)
  SHUTDOWN_GRACE_MS = 10000;

  /** Base URL agents use to reach this API (task result callbacks). */
  @IsOptional() @Matches(/^https?:\/\/[^/]+(\/.*)?$/, { message: 'PUBLIC_URL must be an http(s) URL' })
  PUBLIC_URL?: string;

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  get publicUrl(): string {
    return (this.PUBLIC_URL ?? `http://127.0.0.1:${this.PORT}`).replace(/\/$/, '');
  }

  /** The JWT secret in force: the configured one, or the dev default outside production. */
  get jwtSecret(): string {
    return this.JWT_SECRET ?? DEV_JWT_SECRET;
  }
}

export class ConfigError extends Error {}

/** Validates the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  const picked: Record<string, unknown> = {};
  for (const key of [...known, 'JWT_SECRET', 'PUBLIC_URL']) if (env[key] !== undefined) picked[key] = env[key];
  const config = plainToInstance(AppConfig, picked);
  const problems = validateSync(config, { forbidUnknownValues: false }).flatMap((e) =>
    Object.values(e.constraints ?? {}).map((m) => `${e.property}: ${m}`),
  );
  if (config.NODE_ENV === 'production' && !config.JWT_SECRET) {
    problems.push('JWT_SECRET: required when NODE_ENV=production');
  }
  if (problems.length) throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return config;
}
