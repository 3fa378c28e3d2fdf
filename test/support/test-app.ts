import { INestApplication, LoggerService } from '@nestjs/common';
import * as jwt from 'jsonwebtoken';
import { randomBytes } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { Client, Pool } from 'pg';
import Redis from 'ioredis';
import request from 'supertest';
import { createApp } from '../../apps/api/create-app';
import { Scopes, TokenService } from '../../libs/auth/src';
import { AppConfig } from '../../libs/common/src';
import { redisConnectionOptions } from '../../libs/queue/src';
import { databaseUrl, DB_PREFIX, PG_ADMIN_URL, REDIS_URL, runId, templateDb, TEST_JWT_SECRET } from './test-env';

export { eventually } from './eventually';

export interface TestApp {
  app: INestApplication;
  url: string;
  env: NodeJS.ProcessEnv;
  http: () => ReturnType<typeof request>;
  /** A pg pool on this file's own database, for assertions on what was stored. */
  db: Pool;
  redis: Redis;
  token(orgId: string, scopes?: Scopes, opts?: { expiresInSeconds?: number; rateLimitPerMinute?: number }): Promise<string>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  withWorker?: boolean;
  env?: NodeJS.ProcessEnv;
  /** The app's DATABASE_URL from this file's database URL (e.g. through a TcpProxy); `db` stays on the direct one. */
  databaseUrl?: (url: string) => string;
  /** Receives every log line of the app (default: errors only, to the console). */
  logger?: LoggerService;
}

/** A fresh database (cloned from the migrated template) and queue prefix for one test file. */
export async function createTestDatabase(): Promise<{ name: string; url: string; prefix: string }> {
  const suffix = randomBytes(5).toString('hex');
  const name = `${DB_PREFIX}${runId()}_${suffix}`;
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${templateDb()}"`);
  } finally {
    await admin.end();
  }
  return { name, url: databaseUrl(name), prefix: `test-${suffix}` };
}

export function testEnv(database: { url: string; prefix: string }, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    REDIS_URL,
    QUEUE_PREFIX: database.prefix,
    JWT_SECRET: TEST_JWT_SECRET,
    ENCRYPTION_KEY: 'a1'.repeat(32),
    OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true',
    RECONCILE_INTERVAL_MS: '250',
    TOKEN_CACHE_TTL_MS: '1000',
    SHUTDOWN_GRACE_MS: '2000',
    LOG_LEVEL: 'error',
    // Rate limiting runs in every test (counted in Redis), far above what any file sends with one
    // token; the rate-limit specs set their own limits.
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_BURST: '1000000',
    RATE_LIMIT_CALLBACK_PER_MINUTE: '1000000',
    ...extra,
  };
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const env = testEnv({ ...database, url: options.databaseUrl?.(database.url) ?? database.url }, options.env);
  const app = await createApp({ env, withWorker: options.withWorker ?? true, logger: options.logger ?? ['error'] });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  // The port is only known now: agents' callback URLs must point at this server.
  app.get(AppConfig).PUBLIC_URL = url;
  const db = new Pool({ connectionString: database.url, max: 3 });
  // Through the sentinel when the app is (REDIS_URL's host is not used then); on a cluster, REDIS_URL's node.
  const config = app.get(AppConfig);
  const redis = config.redisTopology.kind === 'sentinel' ? new Redis({ ...redisConnectionOptions(config), maxRetriesPerRequest: 20 }) : new Redis(env.REDIS_URL ?? REDIS_URL);
  // A failover test kills the master: until the sentinel names the new one, each reconnect fails (commands wait meanwhile).
  if (config.redisTopology.kind === 'sentinel') redis.on('error', () => undefined);
  const tokens = app.get(TokenService);
  return {
    app, url, env, db, redis,
    http: () => request(app.getHttpServer()),
    token: async (orgId, scopes = { SERVICES: 'WRITE' }, opts = {}) =>
      (await tokens.issue({ orgId, scopes, expiresInSeconds: opts.expiresInSeconds, rateLimitPerMinute: opts.rateLimitPerMinute })).token,
    close: async () => {
      await app.close();
      await db.end();
      await deleteQueueKeys(database.prefix, redis);
      redis.disconnect();
    },
  };
}

/** Deletes the Redis keys of a queue prefix (a test's), through `redis` or a connection of its own. */
export async function deleteQueueKeys(prefix: string, redis?: Redis): Promise<void> {
  const client = redis ?? new Redis(REDIS_URL);
  try {
    const keys = await client.keys(`${prefix}:*`);
    if (keys.length) await client.del(...keys);
  } finally {
    if (!redis) client.disconnect();
  }
}

/** A unique org id per call, so tests never see each other's rows. */
export const newOrg = (label = 'org') => `${label}-${randomBytes(4).toString('hex')}`;

/** The Authorization header for a token. */
export const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

/** A token's id (its `sub`), as the tokens API names it. */
export const tokenId = (token: string) => (jwt.decode(token) as jwt.JwtPayload).sub as string;

/** An ISO timestamp one hour from now (a `scheduled_at` that is not due yet). */
export const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();
