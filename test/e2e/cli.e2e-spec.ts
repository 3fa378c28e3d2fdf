import { INestApplication } from '@nestjs/common';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { createApp } from '../../apps/api/create-app';
import { Child, CLI_MAIN } from '../support/processes';
import { createTestDatabase, deleteQueueKeys, eventually, newOrg, testEnv } from '../support/test-app';
import { databaseUrl, DB_PREFIX, PG_ADMIN_URL, runId, TEST_JWT_SECRET } from '../support/test-env';

/**
 * The operator CLI as operators run it: the built `node dist/apps/cli/main.js` in a child
 * process (npm test builds dist first through `pretest`), against a real database.
 */

const ROOT = join(__dirname, '..', '..');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI with exactly `env` (not the test's environment: some tests leave variables out). */
async function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<CliRun> {
  const child = new Child(process.execPath, [CLI_MAIN, ...args], { cwd: ROOT, env });
  const code = await child.finished(timeoutMs);
  return { code, stdout: child.stdout, stderr: child.stderr };
}

/** Runs the CLI and expects success: exit 0 and exactly one JSON object as the whole of stdout. */
async function cliJson(args: string[], env: NodeJS.ProcessEnv): Promise<Record<string, any>> {
  const run = await runCli(args, env);
  if (run.code !== 0) throw new Error(`cli ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  const parsed = JSON.parse(run.stdout);
  expect(parsed).toEqual(expect.any(Object));
  expect(Array.isArray(parsed)).toBe(false);
  return parsed;
}

beforeAll(() => {
  if (existsSync(CLI_MAIN)) return;
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: 170_000 });
  if (build.status !== 0) throw new Error(`npm run build failed (status ${build.status})`);
}, 180_000);

describe('cli token commands', () => {
  let database: { name: string; url: string; prefix: string };
  let env: NodeJS.ProcessEnv;
  let db: Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    env = { ...process.env, ...testEnv(database), DATABASE_URL: database.url, JWT_SECRET: TEST_JWT_SECRET };
    db = new Client({ connectionString: database.url });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
  });

  it('token create prints one JSON object and creates the org on first use', async () => {
    const org = newOrg('cli');
    expect((await db.query(`SELECT id FROM orgs WHERE id = $1`, [org])).rowCount).toBe(0);

    const created = await cliJson(['token', 'create', '--org', org, '--access', 'SERVICES:WRITE'], env);
    expect(created).toEqual(expect.objectContaining({
      id: expect.stringMatching(/^tok_/),
      token: expect.any(String),
      org_id: org,
      scopes: { SERVICES: 'WRITE' },
      expires_at: null,
    }));
    expect(created.token.split('.')).toHaveLength(3);

    expect((await db.query(`SELECT id FROM orgs WHERE id = $1`, [org])).rowCount).toBe(1);
    const [record] = (await db.query(`SELECT org_id, scopes, revoked_at, created_by FROM api_tokens WHERE id = $1`, [created.id])).rows;
    expect(record).toMatchObject({ org_id: org, scopes: { SERVICES: 'WRITE' }, revoked_at: null });

    // A second token for the same org reuses the org.
    const again = await cliJson(['token', 'create', '--org', org, '--access', 'SERVICES:READ'], env);
    expect(again.id).not.toBe(created.id);
    expect((await db.query(`SELECT id FROM orgs WHERE id = $1`, [org])).rowCount).toBe(1);
  }, 60_000);

  it('--expires-in 30d sets expires_at about 30 days ahead, --name names the token', async () => {
    const org = newOrg('cli');
    const before = Date.now();
    const created = await cliJson(['token', 'create', '--org', org, '--access', 'SERVICES:ADMIN', '--name', 'ops deploy bot', '--expires-in', '30d'], env);
    const after = Date.now();
    expect(created.scopes).toEqual({ SERVICES: 'ADMIN' });
    const expiresAt = Date.parse(created.expires_at);
    const thirtyDays = 30 * 86_400_000;
    expect(expiresAt).toBeGreaterThanOrEqual(before + thirtyDays - 1000);
    expect(expiresAt).toBeLessThanOrEqual(after + thirtyDays + 1000);
    const claims = JSON.parse(Buffer.from(created.token.split('.')[1], 'base64url').toString('utf8'));
    expect(claims.exp).toBe(Math.floor(expiresAt / 1000));

    const [record] = (await db.query(`SELECT name, expires_at FROM api_tokens WHERE id = $1`, [created.id])).rows;
    expect(record.name).toBe('ops deploy bot');
    expect(record.expires_at.getTime()).toBe(expiresAt);
  }, 60_000);

  it('token list prints one JSON object listing the org\'s tokens, never the token string', async () => {
    const org = newOrg('cli');
    const other = newOrg('cli-other');
    const created = await cliJson(['token', 'create', '--org', org, '--access', 'SERVICES:WRITE', '--name', 'listed'], env);
    const foreign = await cliJson(['token', 'create', '--org', other, '--access', 'SERVICES:WRITE'], env);

    const listed = await cliJson(['token', 'list', '--org', org], env);
    expect(listed.org_id).toBe(org);
    expect(listed.tokens).toEqual([
      expect.objectContaining({ id: created.id, org_id: org, name: 'listed', scopes: { SERVICES: 'WRITE' }, expires_at: null, revoked_at: null }),
    ]);
    expect(listed.tokens[0]).not.toHaveProperty('token');
    const text = JSON.stringify(listed);
    expect(text).not.toContain(created.token);
    expect(text).not.toContain(foreign.id);
  }, 60_000);

  describe('against the API on the same database', () => {
    let app: INestApplication;
    let baseUrl: string;

    beforeAll(async () => {
      app = await createApp({ env: testEnv({ url: database.url, prefix: database.prefix }), logger: ['error'] });
      await app.listen(0, '127.0.0.1');
      baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await app?.close();
      await deleteQueueKeys(database.prefix);
    });

    const listJobs = (token: string) =>
      fetch(`${baseUrl}/services/agent-jobs`, { headers: { Authorization: `Bearer ${token}` } });

    it('a CLI token is accepted; after token revoke it is refused with 401 once the API\'s token cache expired', async () => {
      const org = newOrg('cli');
      const created = await cliJson(['token', 'create', '--org', org, '--access', 'SERVICES:WRITE'], env);

      const ok = await listJobs(created.token);
      expect(ok.status).toBe(200);
      const body = (await ok.json()) as { data: unknown[]; meta: { org_id: string } };
      expect(body.data).toEqual([]);
      expect(body.meta.org_id).toBe(org);

      // The token is now in the API's token cache; revocation from another process must still land.
      expect((await listJobs(created.token)).status).toBe(200);
      const revoked = await cliJson(['token', 'revoke', created.id], env);
      expect(revoked).toMatchObject({ id: created.id, org_id: org, revoked_at: expect.any(String) });
      const revokedAt = Date.now();

      // Once the API's cache entry (TOKEN_CACHE_TTL_MS 1000) expired: the wait is a hang guard, far longer than the TTL.
      const refused = await eventually(async () => {
        const res = await listJobs(created.token);
        return res.status === 401 && res;
      }, 10_000, 100);
      console.log(`cli: a token the CLI revoked was refused by the API ${Date.now() - revokedAt} ms later (TOKEN_CACHE_TTL_MS 1000)`);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(await refused.json()).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });

      const listed = await cliJson(['token', 'list', '--org', org], env);
      expect(listed.tokens[0]).toMatchObject({ id: created.id, revoked_at: revoked.revoked_at });
    }, 60_000);

    // The limit the CLI stores is the one the API counts: 2 per minute (testEnv's burst is higher, so one 60 s window of 2).
    it('token create --rate-limit 2: the token shows it, the API allows 2 requests, then 429 RATE_LIMITED', async () => {
      const org = newOrg('cli');
      const created = await cliJson(['token', 'create', '--org', org, '--access', 'SERVICES:READ', '--rate-limit', '2'], env);
      expect(created.rate_limit_per_minute).toBe(2);
      const [record] = (await db.query(`SELECT rate_limit_per_minute FROM api_tokens WHERE id = $1`, [created.id])).rows;
      expect(record.rate_limit_per_minute).toBe(2);
      const listed = await cliJson(['token', 'list', '--org', org], env);
      expect(listed.tokens).toEqual([expect.objectContaining({ id: created.id, rate_limit_per_minute: 2 })]);

      for (const remaining of ['1', '0']) {
        const ok = await listJobs(created.token);
        expect(ok.status).toBe(200);
        expect([ok.headers.get('ratelimit-limit'), ok.headers.get('ratelimit-remaining'), ok.headers.get('ratelimit-policy')]).toEqual(['2', remaining, '2;w=60']);
      }
      const refused = await listJobs(created.token);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await refused.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
      const retryAfter = refused.headers.get('retry-after');
      expect(retryAfter).toMatch(/^[1-9][0-9]*$/);
      expect(Number(retryAfter)).toBeLessThanOrEqual(60);
      expect([refused.headers.get('ratelimit-limit'), refused.headers.get('ratelimit-remaining'), refused.headers.get('ratelimit-reset')]).toEqual(['2', '0', retryAfter]);

      // A token made without --rate-limit keeps the default (null: RATE_LIMIT_PER_MINUTE).
      const plain = await cliJson(['token', 'create', '--org', org, '--access', 'SERVICES:READ'], env);
      expect(plain.rate_limit_per_minute).toBeNull();
      expect((await listJobs(plain.token)).headers.get('ratelimit-limit')).toBe('1000000');
    }, 60_000);
  });

  describe('bad usage and errors: non-zero exit, nothing on stdout, a message on stderr', () => {
    const cases: Array<[string, string[]]> = [
      ['token create without --org', ['token', 'create', '--access', 'SERVICES:WRITE']],
      ['an unknown access level', ['token', 'create', '--org', 'acme', '--access', 'SERVICES:SUPER']],
      ['an unknown command', ['frobnicate', '--org', 'acme']],
      ['an unknown token subcommand', ['token', 'rotate', '--org', 'acme']],
      ['a bad --expires-in', ['token', 'create', '--org', 'acme', '--access', 'SERVICES:READ', '--expires-in', 'soon']],
      ['a --rate-limit of 0', ['token', 'create', '--org', 'acme', '--access', 'SERVICES:READ', '--rate-limit', '0']],
      ['a --rate-limit that is not a number', ['token', 'create', '--org', 'acme', '--access', 'SERVICES:READ', '--rate-limit', 'fast']],
      ['token revoke without an id', ['token', 'revoke']],
      ['token revoke of an unknown id', ['token', 'revoke', 'tok_00000000000000000000000000']],
    ];

    it.each(cases)('%s', async (_label, args) => {
      const run = await runCli(args, env);
      expect(run.code).not.toBe(0);
      expect(run.code).not.toBeNull();
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/error: \S/);
    }, 60_000);

    it('a bad --access creates no token and no org', async () => {
      const org = newOrg('cli-bad');
      const run = await runCli(['token', 'create', '--org', org, '--access', 'SERVICES:SUPER'], env);
      expect(run.code).not.toBe(0);
      expect((await db.query(`SELECT 1 FROM orgs WHERE id = $1`, [org])).rowCount).toBe(0);
      expect((await db.query(`SELECT 1 FROM api_tokens WHERE org_id = $1`, [org])).rowCount).toBe(0);
    }, 60_000);
  });
});

describe('cli without JWT_SECRET or ENCRYPTION_KEY (a newcomer\'s dev setup)', () => {
  let database: { name: string; url: string; prefix: string };
  beforeAll(async () => {
    database = await createTestDatabase();
  });

  // Config warnings are logged while the modules are built: they must reach stderr, not stdout.
  it('still prints only the JSON object on stdout (dev-default warnings go to stderr)', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', DATABASE_URL: database.url, LOG_LEVEL: 'log' };
    delete env.JWT_SECRET;
    delete env.ENCRYPTION_KEY;
    const run = await runCli(['token', 'create', '--org', newOrg('dev'), '--access', 'SERVICES:WRITE'], env);
    expect(run.code).toBe(0);
    expect(() => JSON.parse(run.stdout)).not.toThrow();
    expect(run.stderr).toContain('JWT_SECRET');
  }, 60_000);
});

describe('cli on a database that does not exist yet', () => {
  // This run's database prefix, so global teardown drops it too should afterAll not get there.
  const name = `${DB_PREFIX}${runId()}_fresh_${randomBytes(5).toString('hex')}`;
  const admin = () => new Client({ connectionString: PG_ADMIN_URL });

  afterAll(async () => {
    const c = admin();
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await c.end();
    }
  });

  it('creates and migrates the database on first start, then issues the token', async () => {
    const c = admin();
    await c.connect();
    try {
      expect((await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rowCount).toBe(0);
    } finally {
      await c.end();
    }

    const url = databaseUrl(name);
    const env = { ...process.env, ...testEnv({ url, prefix: 'cli-fresh' }), DATABASE_URL: url, JWT_SECRET: TEST_JWT_SECRET };
    const org = newOrg('fresh');
    const created = await cliJson(['token', 'create', '--org', org, '--access', 'SERVICES:WRITE'], env);
    expect(created).toMatchObject({ org_id: org, scopes: { SERVICES: 'WRITE' }, expires_at: null });

    const db = new Client({ connectionString: url });
    await db.connect();
    try {
      expect((await db.query(`SELECT org_id FROM api_tokens WHERE id = $1`, [created.id])).rows).toEqual([{ org_id: org }]);
      expect((await db.query(`SELECT count(*)::int AS n FROM schema_migrations`)).rows[0].n).toBeGreaterThan(0);
    } finally {
      await db.end();
    }

    // A second start finds the database and its schema in place.
    const listed = await cliJson(['token', 'list', '--org', org], env);
    expect(listed.tokens.map((t: { id: string }) => t.id)).toEqual([created.id]);
  }, 60_000);
});
