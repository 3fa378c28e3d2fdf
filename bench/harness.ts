/**
 * What every scenario shares: local-only URLs, throwaway databases and queue prefixes,
 * the service processes (the real dist/apps entry points), tokens from the CLI, a
 * keep-alive HTTP client, and clean-up. Nothing here talks to anything but 127.0.0.1.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Redis from 'ioredis';
import { Client } from 'pg';

export const DIST = path.resolve(__dirname, '..');
export const ROOT = path.resolve(DIST, '..');
export const ORG = 'bench';

export const PG_ADMIN_URL = local(process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', 'BENCH_PG_URL');
export const REDIS_URL = local(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0', 'BENCH_REDIS_URL');
export const JWT_SECRET = 'bench-only-jwt-secret-not-for-production-0123456789';

export interface BenchOptions {
  /** Preload bench/probe.js into the services: CPU profile + query/command counts of the measured window. */
  profile: boolean;
  /** Keep the throwaway databases after the run (the seeded list database is always kept). */
  keep: boolean;
  flags: Record<string, string>;
}

function local(url: string, name: string): string {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1') throw new Error(`${name} must point at 127.0.0.1 (got ${host}): the bench only talks to this machine`);
  return url;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function flagInt(opts: BenchOptions, name: string, def: number): number {
  const v = opts.flags[name];
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
}

// ---------------------------------------------------------------- Postgres

export function databaseUrl(name: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withPg<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const BENCH_DB = /^agent_jobs_bench(_[a-z0-9_]+)?$/;

/**
 * A scenario's throwaway database, named by this run's pid so that two bench runs on one
 * machine never drop each other's database mid-run (cleanStaleRuns drops those of dead runs).
 */
export const throwawayDatabase = (scenario: string) => `agent_jobs_bench_${scenario}_${process.pid}`;

async function dropStaleDatabases(): Promise<void> {
  const names = await withPg(PG_ADMIN_URL, async (c) =>
    (await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname ~ '^agent_jobs_bench_[a-z]+_[0-9]+$'`)).rows.map((r) => r.datname));
  for (const name of names) {
    const pid = Number(name.split('_').pop());
    if (!isAlive(pid)) await dropDatabase(name);
  }
}

export async function dropDatabase(name: string): Promise<void> {
  if (!BENCH_DB.test(name)) throw new Error(`refusing to drop ${name}: not a bench database`);
  await withPg(PG_ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

export async function databaseExists(name: string): Promise<boolean> {
  return withPg(PG_ADMIN_URL, async (c) => (await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rowCount! > 0);
}

/**
 * The machine's floor at this moment, printed before the scenarios so that figures can be
 * read against it: a Postgres round trip, a durable commit (txid_current() makes the
 * transaction write a commit record, which waits for the WAL flush), a Redis round trip.
 */
export async function environmentFloor(samples = 200): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = { 'pg SELECT 1': [], 'pg durable commit': [], 'redis PING': [] };
  await withPg(PG_ADMIN_URL, async (c) => {
    for (let i = 0; i < 20; i++) await c.query('SELECT 1');
    for (let i = 0; i < samples; i++) {
      let t = performance.now();
      await c.query('SELECT 1');
      out['pg SELECT 1'].push(performance.now() - t);
      t = performance.now();
      await c.query('SELECT txid_current()');
      out['pg durable commit'].push(performance.now() - t);
    }
  });
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  try {
    for (let i = 0; i < 20; i++) await r.ping();
    for (let i = 0; i < samples; i++) {
      const t = performance.now();
      await r.ping();
      out['redis PING'].push(performance.now() - t);
    }
  } finally {
    r.disconnect();
  }
  return out;
}

// ---------------------------------------------------------------- Redis

/** Walks every key under `prefix` (SCAN, never KEYS), a batch at a time; returns the sum of what `each` returns. */
export async function scanPrefix(prefix: string, each: (r: Redis, keys: string[]) => Promise<number>): Promise<number> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  let total = 0;
  try {
    await r.connect();
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) total += await each(r, keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
  return total;
}

export async function cleanRedis(prefix: string): Promise<number> {
  if (!prefix.startsWith('agent-jobs-bench-')) throw new Error(`refusing to clean ${prefix}`);
  return scanPrefix(prefix, (r, keys) => r.unlink(...keys));
}

/** How many Redis keys a run's prefix holds now. */
export const countRedisKeys = (prefix: string) => scanPrefix(prefix, async (_, keys) => keys.length);

const livePrefixes = new Set<string>();

/** A scenario's queue prefix; remembered so that an interrupted run can still clean it. */
export const queuePrefix = (scenario: string) => {
  const prefix = `agent-jobs-bench-${scenario}-${process.pid}`;
  livePrefixes.add(prefix);
  return prefix;
};

/** Deletes the keys of every prefix this run used (after an interrupt; scenarios clean their own). */
export async function cleanAllPrefixes(): Promise<void> {
  await Promise.all([...livePrefixes].map((p) => cleanRedis(p).catch(() => 0)));
}

/**
 * Keys left by bench runs that died before cleaning up (killed, out of time): their prefix
 * ends in the pid of a process that no longer exists.
 */
export async function cleanStaleRuns(): Promise<number> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  const stale = new Set<string>();
  try {
    await r.connect();
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', 'agent-jobs-bench-*', 'COUNT', 1000);
      for (const key of keys) {
        const prefix = key.split(':')[0];
        const pid = Number(prefix.split('-').pop());
        if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) stale.add(prefix);
      }
      cursor = next;
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
  let removed = 0;
  for (const prefix of stale) removed += await cleanRedis(prefix);
  await dropStaleDatabases();
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ---------------------------------------------------------------- services

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A local stand-in for every outbound target the service might call during a run (Slack's
 * chat.postMessage, webhooks): answers 200 {"ok": true} at once. The services get its URL
 * as SLACK_API_URL, so result delivery, if the service does it, never leaves the machine.
 */
export interface Sink {
  url: string;
  hits: () => number;
  /** TCP connections accepted (keep-alive reuse shows as far fewer than hits). */
  sockets: () => number;
  close: () => Promise<void>;
}

/** `latencyMs`: each answer waits that long, as a remote Slack would (the delivery scenario). */
export async function startSink(opts: { latencyMs?: number } = {}): Promise<Sink> {
  let hits = 0;
  let sockets = 0;
  const answer = (res: http.ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true,"channel":"C0BENCH01","ts":"1700000000.000100"}');
  };
  const server = http.createServer((req, res) => {
    hits++;
    req.resume();
    req.on('end', () => (opts.latencyMs ? setTimeout(() => answer(res), opts.latencyMs) : answer(res)));
  });
  server.on('connection', () => sockets++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    sockets: () => sockets,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

let sink: Sink | undefined;
export async function sharedSink(): Promise<Sink> {
  sink ??= await startSink();
  return sink;
}
export async function closeSink(): Promise<void> {
  await sink?.close();
  sink = undefined;
}

export function serviceEnv(database: string, prefix: string, port: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  if (!sink) throw new Error('start the sink first (sharedSink())');
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    // Experiments with V8 flags (e.g. --max-semi-space-size) for the services only.
    ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl(database),
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    JWT_SECRET,
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'warn',
    ENCRYPTION_KEY: 'be0c4a11be0c4a11be0c4a11be0c4a11be0c4a11be0c4a11be0c4a11be0c4a11',
    // Outbound calls go to the local sink only (the SSRF rules would refuse 127.0.0.1 otherwise).
    SLACK_API_URL: `${sink.url}/api/`,
    SLACK_BOT_TOKEN: 'xoxb-bench-local-sink',
    OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true',
    // One token sends every request: limits far above any --rate, so a figure is never a 429's.
    RATE_LIMIT_PER_MINUTE: '10000000',
    RATE_LIMIT_BURST: '10000000',
    RATE_LIMIT_CALLBACK_PER_MINUTE: '10000000',
    ...extra,
  };
}

/** `--api-processes N`: the API as N processes sharing its port (API_PROCESSES). */
export function apiProcessesEnv(opts: BenchOptions): NodeJS.ProcessEnv {
  const n = flagInt(opts, 'api-processes', 1);
  if (n > 1 && opts.profile) throw new Error('--profile follows one process: use it without --api-processes');
  return n > 1 ? { API_PROCESSES: String(n) } : {};
}

/** serviceEnv with the sizing flags the throughput scenarios share: --worker-concurrency, --db-pool, --api-processes. */
export function sizedServiceEnv(opts: BenchOptions, database: string, prefix: string, port: number): NodeJS.ProcessEnv {
  const extra: Record<string, string> = {};
  if (opts.flags['worker-concurrency']) extra.WORKER_CONCURRENCY = opts.flags['worker-concurrency'];
  if (opts.flags['db-pool']) extra.DB_POOL_SIZE = opts.flags['db-pool'];
  return { ...serviceEnv(database, prefix, port, extra), ...apiProcessesEnv(opts) };
}

export type ServiceKind = 'api' | 'worker' | 'api+worker';

export interface Service {
  kind: ServiceKind;
  label: string;
  proc: ChildProcess;
  /** Starts (first call) / stops and writes (second call) the probe's measurement window. */
  probe(): void;
  probeDir: string | null;
  cpuSeconds(): number;
  /** RSS of the process and of the processes it forked (API_PROCESSES > 1). */
  rssBytes(): number;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();

/** Kills what the bench started, by pid, if it exits abnormally. */
export function killChildren(): void {
  for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
}

let probeSeq = 0;

export async function startService(kind: ServiceKind, env: NodeJS.ProcessEnv, opts: BenchOptions, label: string = kind): Promise<Service> {
  const script = path.join(DIST, kind === 'worker' ? 'apps/worker/main.js' : 'apps/api/main.js');
  const probeDir = opts.profile ? path.join(ROOT, 'bench-profiles', `${new Date().toISOString().replace(/[:.]/g, '-')}-${++probeSeq}-${label.replace(/[^a-z0-9+-]/gi, '_')}`) : null;
  if (probeDir) mkdirSync(probeDir, { recursive: true });
  const args = [
    ...(probeDir ? ['-r', path.join(DIST, 'bench/probe.js')] : []),
    script,
    ...(kind === 'api+worker' ? ['--with-worker'] : []),
  ];
  const proc = spawn(process.execPath, args, {
    env: { ...env, ...(probeDir ? { BENCH_PROBE_DIR: probeDir } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  const tail: string[] = [];
  const onLine = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 40) tail.shift();
      if (process.env.BENCH_VERBOSE) console.log(`   [${label}] ${line}`);
    }
  };
  proc.stdout!.on('data', onLine);
  proc.stderr!.on('data', onLine);

  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const service: Service = {
    kind,
    label,
    proc,
    probeDir,
    probe: () => {
      if (probeDir && proc.pid) process.kill(proc.pid, 'SIGWINCH');
    },
    // With API_PROCESSES > 1 the work is done by the forked processes (while they live).
    cpuSeconds: () => (proc.pid ? [proc.pid, ...childPids(proc.pid)].reduce((sum, pid) => sum + processCpuSeconds(pid), 0) : NaN),
    rssBytes: () => (proc.pid ? [proc.pid, ...childPids(proc.pid)].reduce((sum, pid) => sum + processRssBytes(pid), 0) : NaN),
    stop: async () => {
      if (proc.exitCode !== null || !proc.pid) return;
      process.kill(proc.pid, 'SIGTERM');
      const code = await Promise.race([exited, sleep(20_000).then(() => 'timeout' as const)]);
      if (code === 'timeout' && proc.exitCode === null) process.kill(proc.pid, 'SIGKILL');
    },
  };

  if (kind !== 'worker') {
    const port = Number(env.PORT);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`${label} exited with ${proc.exitCode}:\n${tail.join('\n')}`);
      const ok = await getStatus(port, '/health').catch(() => 0);
      const processes = Number(env.API_PROCESSES ?? 1);
      if (ok === 200 && (processes <= 1 || childPids(proc.pid!).length >= processes)) break;
      if (Date.now() > deadline) {
        await service.stop();
        throw new Error(`${label} did not become healthy within 60 s:\n${tail.join('\n')}`);
      }
      await sleep(200);
    }
  } else {
    // No HTTP: give it a moment to connect; scenarios prove it is working with a warm-up job.
    await sleep(1500);
    if (proc.exitCode !== null) throw new Error(`${label} exited with ${proc.exitCode}:\n${tail.join('\n')}`);
  }
  return service;
}

/**
 * A scenario against the API alone: its own database (dropped first) and queue prefix, a
 * WRITE token from the CLI, the builtin echo job type; everything is cleaned up afterwards.
 */
export async function withApiOnly(
  scenario: string, database: string, opts: BenchOptions, run: (s: { api: Service; port: number; token: string }) => Promise<void>,
  extraEnv: Record<string, string> = {},
): Promise<void> {
  const prefix = queuePrefix(scenario);
  const port = await freePort();
  const env = { ...serviceEnv(database, prefix, port, extraEnv), ...apiProcessesEnv(opts) };
  let api: Service | undefined;
  await dropDatabase(database);
  try {
    const token = await issueToken(env, ORG, 'SERVICES:WRITE'); // creates + migrates the database
    api = await startService('api', env, opts);
    await ensureEchoJobType(port, token);
    await run({ api, port, token });
  } finally {
    await api?.stop();
    await cleanRedis(prefix);
    if (!opts.keep) await dropDatabase(database);
  }
}

export async function stopAll(services: Array<Service | undefined>): Promise<void> {
  await Promise.all(services.map((s) => s?.stop()));
}

/** Pids whose parent is `pid` (the API processes of an API_PROCESSES > 1 primary). */
export function childPids(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) found.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return found;
}

/** utime + stime of a process from /proc, in seconds (Linux). */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

/** Resident set size of a process from /proc, in bytes (Linux); NaN once it is gone. */
export function processRssBytes(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return line ? Number(line.split(/\s+/)[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU seconds of every process whose command name is `name` (postgres, redis-server): machine-wide, includes other users. */
export function commandCpuSeconds(name: string): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (comm === name || comm.startsWith(`${name}:`)) total += processCpuSeconds(Number(pid));
    } catch {
      /* gone */
    }
  }
  return total;
}

export interface ProbeReport {
  windowMs: number;
  pgQueries: number;
  pgByStatement: Record<string, number>;
  /** Summed time from sending a statement to its answer, by statement. */
  pgMsByStatement: Record<string, number>;
  poolWaits: number;
  poolWaitMs: number;
  poolWaitMax: number;
  redisCommands: number;
  redisByCommand: Record<string, number>;
  profile: string | null;
}

/** Waits for the probe's report file after the second probe() call. */
export async function readProbe(service: Service): Promise<ProbeReport | null> {
  if (!service.probeDir) return null;
  const file = path.join(service.probeDir, 'probe.json');
  for (let i = 0; i < 100 && !existsSync(file); i++) await sleep(100);
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8'));
}

// ---------------------------------------------------------------- CLI tokens

/** `node dist/apps/cli/main.js token create ...`: also creates and migrates the database on first use. */
export function issueToken(env: NodeJS.ProcessEnv, org: string, access: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(DIST, 'apps/cli/main.js'), 'token', 'create', '--org', org, '--access', access, '--name', 'bench'],
      { env, timeout: 60_000 }, (err, stdout, stderr) => {
        if (err) return reject(new Error(`token create failed: ${stderr || err.message}`));
        resolve(JSON.parse(stdout).token);
      });
  });
}

// ---------------------------------------------------------------- HTTP

export const keepAliveAgent = (maxSockets: number) => new http.Agent({ keepAlive: true, maxSockets });

export interface HttpResult {
  status: number;
  body: string;
  ms: number;
}

export function httpRequest(
  agent: http.Agent | undefined, port: number, method: string, urlPath: string, token?: string, body?: string,
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const headers: Record<string, string | number> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers, agent, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

async function getStatus(port: number, urlPath: string): Promise<number> {
  return (await httpRequest(undefined, port, 'GET', urlPath)).status;
}

export interface CreateCounts {
  /** HTTP status of each job (a batch item's own status; a refused request counts for all its items). */
  statuses: Map<number, number>;
  /** Each request's latency, for requests that were answered. */
  latencies: number[];
}

/** `count` copies of `item` through POST /services/agent-jobs/batch, `size` per request, `inFlight` requests at a time. */
export async function batchCreate(
  agent: http.Agent, port: number, token: string, item: unknown, count: number, size: number, inFlight: number,
  into: CreateCounts = { statuses: new Map(), latencies: [] },
): Promise<CreateCounts> {
  const add = (status: number, k = 1) => into.statuses.set(status, (into.statuses.get(status) ?? 0) + k);
  await pool(Math.ceil(count / size), inFlight, async (i) => {
    const k = Math.min(size, count - i * size);
    const body = JSON.stringify({ jobs: Array.from({ length: k }, () => item) });
    const r = await httpRequest(agent, port, 'POST', '/services/agent-jobs/batch', token, body).catch(() => ({ status: 0, ms: NaN, body: '' }));
    if (r.status !== 200) return void add(r.status, k);
    for (const d of (JSON.parse(r.body) as { data: Array<{ status: number }> }).data) add(d.status);
    into.latencies.push(r.ms);
  });
  return into;
}

export async function ensureEchoJobType(port: number, token: string): Promise<void> {
  const res = await httpRequest(undefined, port, 'POST', '/services/job-types', token,
    JSON.stringify({ id: 'echo', name: 'Echo', description: 'bench', executor: { type: 'builtin', name: 'echo' } }));
  if (res.status !== 201 && res.status !== 409) throw new Error(`creating the echo job type: ${res.status} ${res.body}`);
}

export function jobBody(org: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    target_channel: { org_id: org, platform: 'slack', type: 'channel', code: 'C0BENCH01' },
    job_type_id: 'echo',
    params: { text: 'hello from the bench' },
    metadata: { source: 'bench' },
    ...extra,
  });
}

/** Runs `count` calls with at most `concurrency` in flight. */
export async function pool<T>(count: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(count);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const i = next++;
      out[i] = await fn(i);
    }
  }));
  return out;
}

/** Polls until `check` is truthy or the time is up; returns the last value either way. */
export async function until<T>(check: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (done(v) || Date.now() > deadline) return v;
    await sleep(everyMs);
  }
}
