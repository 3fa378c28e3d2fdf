/**
 * Preloaded into a service with `node -r dist/bench/probe.js` when the bench runs with
 * --profile. The first SIGWINCH (not SIGUSR2: Nest's enableShutdownHooks() shuts down on
 * SIGUSR2) opens a measurement window, the second closes it and
 * writes BENCH_PROBE_DIR/probe.json (Postgres queries and Redis commands issued in the
 * window, by statement) and profile.cpuprofile (V8 CPU profile of the window).
 * It changes nothing the service does, only counts it.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const dir = process.env.BENCH_PROBE_DIR;
let active = false;
let openedAt = 0;
let pgQueries = 0;
let redisCommands = 0;
let pgByStatement: Record<string, number> = {};
let pgMsByStatement: Record<string, number> = {};
let poolWaits = 0;
let poolWaitMs = 0;
let poolWaitMax = 0;
let redisByCommand: Record<string, number> = {};
let scriptCalls: Record<string, number> = {};
const session = new Session();

function statementKey(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim().slice(0, 90);
}

// Same module instances the app resolves (there is one pg and one ioredis in node_modules).
const pg = require('pg');
const origQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function patchedQuery(this: unknown, ...args: unknown[]) {
  if (!active) return origQuery.apply(this, args);
  pgQueries++;
  const first = args[0] as string | { text?: string } | undefined;
  const text = typeof first === 'string' ? first : first?.text ?? '?';
  const key = statementKey(text);
  pgByStatement[key] = (pgByStatement[key] ?? 0) + 1;
  // Time from sending to the answer (the connection is already held: pool waits are apart).
  const started = performance.now();
  const done = () => { pgMsByStatement[key] = (pgMsByStatement[key] ?? 0) + performance.now() - started; };
  const last = args[args.length - 1];
  if (typeof last === 'function') {
    args[args.length - 1] = function timed(this: unknown, ...cbArgs: unknown[]) {
      done();
      return (last as (...a: unknown[]) => unknown).apply(this, cbArgs);
    };
    return origQuery.apply(this, args);
  }
  const result = origQuery.apply(this, args);
  if (result && typeof result.then === 'function') result.then(done, done);
  return result;
};

// Time spent waiting for a pool connection (TypeORM and the service's own pool.query).
const PgPool = require('pg-pool');
const origConnect = PgPool.prototype.connect;
PgPool.prototype.connect = function patchedConnect(this: unknown, cb?: (...a: unknown[]) => unknown) {
  if (!active) return origConnect.call(this, cb);
  const started = performance.now();
  const waited = () => {
    const ms = performance.now() - started;
    poolWaits++;
    poolWaitMs += ms;
    poolWaitMax = Math.max(poolWaitMax, ms);
  };
  if (typeof cb === 'function') {
    return origConnect.call(this, (...a: unknown[]) => {
      waited();
      return cb(...a);
    });
  }
  const result = origConnect.call(this);
  result.then(waited, waited);
  return result;
};

const Redis = require('ioredis');
const RedisClass = Redis.default ?? Redis;
const origSend = RedisClass.prototype.sendCommand;
RedisClass.prototype.sendCommand = function patchedSend(this: unknown, command: { name: string; args: unknown[] }, ...rest: unknown[]) {
  if (active) {
    redisCommands++;
    // Scripts (evalsha) are counted by name in countedScript below.
    if (command.name !== 'evalsha' && command.name !== 'eval') redisByCommand[command.name] = (redisByCommand[command.name] ?? 0) + 1;
  }
  return origSend.call(this, command, ...rest);
};

// Bull's Lua scripts are defined with defineCommand; count them by script name (addJob,
// moveToActive, moveToFinished, ...) rather than as anonymous evalsha calls.
const origDefine = RedisClass.prototype.defineCommand;
RedisClass.prototype.defineCommand = function patchedDefine(this: Record<string, any>, name: string, definition: unknown) {
  origDefine.call(this, name, definition);
  for (const fnName of [name, `${name}Buffer`]) {
    const fn = this[fnName];
    if (typeof fn !== 'function') continue;
    this[fnName] = function countedScript(this: unknown, ...args: unknown[]) {
      if (active) {
        // Bull passes keys + args as one array; its first key is "<prefix>:<queue>:<list>".
        const first = Array.isArray(args[0]) ? String(args[0][0] ?? '') : String(args[0] ?? '');
        const queue = first.split(':').slice(-2, -1)[0];
        const key = queue ? `${name}(${queue})` : name;
        scriptCalls[key] = (scriptCalls[key] ?? 0) + 1;
      }
      return fn.apply(this, args);
    };
  }
};

function post(method: string, params?: object): Promise<any> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
}

async function open(): Promise<void> {
  pgQueries = 0;
  redisCommands = 0;
  pgByStatement = {};
  pgMsByStatement = {};
  poolWaits = 0;
  poolWaitMs = 0;
  poolWaitMax = 0;
  redisByCommand = {};
  scriptCalls = {};
  openedAt = Date.now();
  active = true;
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 500 });
  await post('Profiler.start');
}

async function close(): Promise<void> {
  active = false;
  const windowMs = Date.now() - openedAt;
  const { profile } = await post('Profiler.stop');
  const profileFile = path.join(dir!, 'profile.cpuprofile');
  writeFileSync(profileFile, JSON.stringify(profile));
  for (const [name, n] of Object.entries(scriptCalls)) redisByCommand[`lua:${name}`] = n;
  writeFileSync(path.join(dir!, 'probe.json'), JSON.stringify({
    windowMs, pgQueries, pgByStatement, pgMsByStatement, poolWaits, poolWaitMs, poolWaitMax, redisCommands, redisByCommand, profile: profileFile,
  }));
}

if (dir) {
  session.connect();
  process.on('SIGWINCH', () => {
    (active ? close() : open()).catch((err) => console.error(`bench probe: ${(err as Error).message}`));
  });
}
