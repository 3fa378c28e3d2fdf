/**
 * 4. end-to-end throughput. N echo jobs created over HTTP with many in flight, run to
 * COMPLETED by the worker; jobs/s = completed / (last completed_at - first created_at),
 * as Postgres recorded them. Two shapes: API and worker in one process (npm start) and
 * as two processes (the production shape, two cores). Then the ceiling under it: raw
 * Bull add + process of no-op jobs on a separate queue, in the bench process.
 * With `--batch N` (1-500), each shape runs twice: single creates, then the same N jobs created
 * through POST /services/agent-jobs/batch, N per request (`--batch-concurrency` requests in
 * flight, default concurrency / 16), side by side.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import Bull from 'bull';
import {
  apiProcessesEnv, batchCreate, BenchOptions, cleanRedis, throwawayDatabase, databaseUrl, dropDatabase, ensureEchoJobType, flagInt, freePort,
  httpRequest, issueToken, jobBody, keepAliveAgent, ORG, pool, queuePrefix, readProbe, REDIS_URL, Service,
  sizedServiceEnv, sleep, startService, stopAll, until, withPg,
} from './harness';
import { databaseWal, formatWrites, holdWal, startCpuMeter, WriteCounts, writeCounts, writesBetween, writesPerJob } from './cost-meter';
import { printProbe } from './profile-summary';
import { heading, ms, note, printLatency, rate, record, summarize } from './stats';

const DB = throwawayDatabase('e2e');
export type Mode = 'single' | 'split';

/** What one shape's measured window gave: for the side-by-side baseline (bench/baseline.ts). */
export interface E2eResult {
  mode: Mode;
  jobsPerSecond: number;
  completed: number;
  /** CPU seconds over the window by process: the services' labels, postgres (this database's backends + WAL writer etc.), redis, bench. */
  cpu: Record<string, number>;
  writes: WriteCounts;
  /** Postgres statements and Redis commands per job, by process (with --profile only). */
  probes: Record<string, { pg: number; redis: number } | null>;
  /**
   * Jobs per create request when the window's creates went through POST /services/agent-jobs/batch
   * (the `--batch N` mode, issue 12), unset for single creates: the baseline shows a batch line only when it is set.
   */
  batchSize?: number;
}

/** The most items of one batch create request (MAX_BATCH_JOBS in libs/jobs). */
const MAX_BATCH = 500;

/**
 * One shape's window. `opts.flags.batch` (N): the creates go through the batch route, N jobs per
 * request, `concurrency` requests in flight (bench/baseline.ts runs it so); else single creates.
 */
export async function runMode(opts: BenchOptions, mode: Mode, n: number, concurrency: number): Promise<E2eResult> {
  const batchSize = opts.flags.batch ? Math.min(MAX_BATCH, Math.floor(flagInt(opts, 'batch', MAX_BATCH))) : 0;
  const apiProcesses = apiProcessesEnv(opts).API_PROCESSES;
  const shape = mode === 'single'
    ? (apiProcesses ? `npm start with API_PROCESSES=${apiProcesses} (the worker in the first)` : 'one process: api --with-worker (npm start)')
    : (apiProcesses ? `api (API_PROCESSES=${apiProcesses}) + worker process` : 'two processes: api + worker');
  console.log(`   -- ${shape}${batchSize ? `, creates through the batch route (${batchSize} jobs per request, ${concurrency} requests in flight)` : ''}`);
  const prefix = queuePrefix(`e2e-${mode}`);
  const port = await freePort();
  const env = sizedServiceEnv(opts, DB, prefix, port);
  const services: Service[] = [];
  await dropDatabase(DB);
  try {
    const token = await issueToken(env, ORG, 'SERVICES:WRITE');
    if (opts.flags['async-commit'] === 'true') {
      // Experiment, not a recommendation as is: every commit of this database stops waiting for its WAL flush.
      await withPg(databaseUrl(DB), (c) => c.query(`ALTER DATABASE ${DB} SET synchronous_commit = off`));
      note('experiment: synchronous_commit = off for the whole database');
    }
    services.push(await startService(mode === 'single' ? 'api+worker' : 'api', env, opts));
    if (mode === 'split') services.push(await startService('worker', env, opts));
    await ensureEchoJobType(port, token);
    const agent = keepAliveAgent(concurrency);
    const sql = (text: string, params: unknown[]) => withPg(databaseUrl(DB), async (c) => (await c.query(text, params)).rows);
    const create = () => httpRequest(agent, port, 'POST', '/services/agent-jobs', token, jobBody(ORG));
    const item = JSON.parse(jobBody(ORG));
    /** `count` jobs in requests of batchSize (single creates without --batch); HTTP statuses of the jobs, and each request's latency. */
    const createJobs = async (count: number, statuses = new Map<number, number>(), latencies: number[] = []) => {
      const count1 = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (!batchSize) {
        await pool(count, concurrency, async () => {
          const r = await create().catch(() => ({ status: 0, ms: NaN, body: '' }));
          count1(r.status);
          if (r.status === 201) latencies.push(r.ms);
        });
        return { statuses, latencies };
      }
      return batchCreate(agent, port, token, item, count, batchSize, concurrency, { statuses, latencies });
    };

    // Warm-up (and proof that the worker runs): 1,000 jobs, all completed.
    await createJobs(1000);
    const warm = await until(() => sql(`SELECT count(*)::int AS n FROM jobs WHERE status = 'COMPLETED'`, []), (r) => r[0].n >= 1000, 60_000, 250);
    if (warm[0].n < 1000) throw new Error(`warm-up: only ${warm[0].n} of 1000 jobs completed within 60 s`);
    await sleep(1500); // the warm-up's table statistics flushed (backends flush about once a second) before the window opens

    for (const s of services) s.probe();
    const cpu0 = services.map((s) => s.cpuSeconds());
    const bench0 = process.cpuUsage();
    const pgStats0 = await pgCounters();
    const walHold = await holdWal();
    const writes0 = await writeCounts(DB);
    const meter = startCpuMeter(DB, services);
    const waits = sampleWaits();
    const since = new Date();
    const t0 = performance.now();
    const { statuses, latencies } = await createJobs(n);
    const createSeconds = (performance.now() - t0) / 1000;
    const created = statuses.get(201) ?? 0;
    const countDone = () => sql(`SELECT count(*)::int AS n FROM jobs WHERE org_id = $1 AND created_at >= $2 AND status = 'COMPLETED'`, [ORG, since]);
    const done = await until(countDone, (r) => r[0].n >= created, 60_000 + n * 10, 250);
    const wallSeconds = (performance.now() - t0) / 1000;
    for (const s of services) s.probe();
    const cpu = services.map((s, i) => s.cpuSeconds() - cpu0[i]);
    const benchCpu = process.cpuUsage(bench0);
    const waitSamples = await waits.stop();
    const meteredCpu = await meter.stop();
    // This database's backends (+ WAL writer etc.), not every postgres on the machine: other databases' backends come and go.
    const pgCpu = meteredCpu.postgres;
    const redisCpu = meteredCpu.redis;
    await sleep(1500); // backends flush their table statistics about once a second
    const pgStats = await pgCounters();
    const writes = writesBetween(writes0, await writeCounts(DB));
    const ownWal = await databaseWal(DB, writes0.lsn, writes.lsn);
    await walHold.release();
    if (ownWal) Object.assign(writes, { ownWalBytes: ownWal.bytes, ownFpiBytes: ownWal.fpi, ownWalByRecord: ownWal.byRecord });

    const [stats] = await sql(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'COMPLETED')::int AS completed,
              extract(epoch FROM max(completed_at) - min(created_at)) AS span_s,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - created_at) * 1000) AS e2e_p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - created_at) * 1000) AS e2e_p99
       FROM jobs WHERE org_id = $1 AND created_at >= $2`,
      [ORG, since],
    );
    const jobsPerSecond = stats.completed / Number(stats.span_s);
    note(`created ${created} of ${n} (statuses ${JSON.stringify(Object.fromEntries(statuses))}) in ${createSeconds.toFixed(1)} s = ${rate(created / createSeconds, ' creates/s')}, ${concurrency} ${batchSize ? `batch requests of ${batchSize}` : 'creates'} in flight`);
    note(`completed ${stats.completed} (${done[0].n >= created ? 'all' : 'NOT ALL, timed out'}); first created -> last completed ${Number(stats.span_s).toFixed(2)} s`);
    note(`throughput ${rate(jobsPerSecond, ' jobs/s')}; job create->completed p50 ${ms(Number(stats.e2e_p50))}, p99 ${ms(Number(stats.e2e_p99))}`);
    printLatency(batchSize ? `POST /batch latency under load (${batchSize} jobs per request)` : 'POST latency under load', summarize(latencies));
    const cores = (s: number) => `${(s / wallSeconds).toFixed(2)}`;
    note(`CPU over ${wallSeconds.toFixed(1)} s, in cores: ${services.map((s, i) => `${s.label} ${cores(cpu[i])}`).join(', ')}, `
      + `bench client ${cores((benchCpu.user + benchCpu.system) / 1e6)}, postgres ${cores(pgCpu)}, redis ${cores(redisCpu)} (postgres: this database's backends + WAL writer, checkpointer, bgwriter; redis: machine-wide)`);
    const perJobMs = (seconds: number) => ((1000 * seconds) / Math.max(1, stats.completed)).toFixed(2);
    const allCpu = cpu.reduce((a, b) => a + b, 0) + pgCpu + redisCpu + (benchCpu.user + benchCpu.system) / 1e6;
    note(`CPU per completed job, in ms: ${services.map((s, i) => `${s.label} ${perJobMs(cpu[i])}`).join(', ')}, postgres ${perJobMs(pgCpu)}, `
      + `redis ${perJobMs(redisCpu)}, bench ${perJobMs((benchCpu.user + benchCpu.system) / 1e6)}; total ${perJobMs(allCpu)} `
      + `=> at most ~${Math.round((os.cpus().length * stats.completed) / allCpu)} jobs/s on ${os.cpus().length} cores if CPU is the limit`);
    const perJob = (k: 'commits' | 'rollbacks' | 'walSyncs' | 'walBytes') => ((pgStats[k] - pgStats0[k]) / Math.max(1, stats.completed)).toFixed(1);
    const rowWork = Object.entries(pgStats.tables).map(([name, t]) => {
      const b = pgStats0.tables[name] ?? { ins: 0, upd: 0, hot: 0, del: 0 };
      const d = { ins: t.ins - b.ins, upd: t.upd - b.upd, hot: t.hot - b.hot, del: t.del - b.del };
      return { name, ...d, total: d.ins + d.upd + d.del };
    }).filter((t) => t.total > 0).sort((a, b) => b.total - a.total);
    const pj = (n: number) => (n / Math.max(1, stats.completed)).toFixed(2);
    note(`postgres per job: ${perJob('commits')} commits, ${perJob('rollbacks')} rollbacks (this database); `
      + `${perJob('walSyncs')} WAL flushes, ${(Number(perJob('walBytes')) / 1024).toFixed(1)} KiB WAL (cluster-wide)`);
    note(`postgres backends of this database, sampled every 100 ms: ${waitSamples}`);
    note(`row writes per job: ${rowWork.map((t) => `${t.name} ${pj(t.ins)} ins / ${pj(t.upd)} upd (${t.upd ? Math.round((100 * t.hot) / t.upd) : 0}% HOT)${t.del ? ` / ${pj(t.del)} del` : ''}`).join('; ')}`);
    const label = batchSize ? `${mode}, batch ${batchSize}` : mode;
    record({ scenario: 'e2e', name: `${label}: jobs/s create->COMPLETED`, value: jobsPerSecond, unit: 'jobs/s', target: { op: '>=', value: 2000 } });
    record({ scenario: 'e2e', name: `${label}: creates/s (HTTP)`, value: created / createSeconds, unit: 'ops/s' });
    for (const line of formatWrites(writesPerJob(writes, stats.completed))) note(line);
    const probes: E2eResult['probes'] = {};
    for (const s of services) {
      const report = opts.profile ? await readProbe(s) : null;
      if (opts.profile) printProbe(s.label, report, stats.completed);
      probes[s.label] = report ? { pg: report.pgQueries / Math.max(1, stats.completed), redis: report.redisCommands / Math.max(1, stats.completed) } : null;
    }
    agent.destroy();
    return { mode, jobsPerSecond, completed: stats.completed, cpu: meteredCpu, writes, probes, ...(batchSize ? { batchSize } : {}) };
  } finally {
    await stopAll(services);
    await cleanRedis(prefix);
    if (!opts.keep) await dropDatabase(DB);
  }
}

interface PgCounters {
  commits: number;
  rollbacks: number;
  walSyncs: number;
  walBytes: number;
  tables: Record<string, { ins: number; upd: number; hot: number; del: number }>;
}

async function pgCounters(): Promise<PgCounters> {
  return withPg(databaseUrl(DB), async (c) => {
    const { rows: [r] } = await c.query(
      `SELECT d.xact_commit AS commits, d.xact_rollback AS rollbacks, w.wal_sync AS wal_syncs, w.wal_bytes AS wal_bytes
       FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = $1`, [DB]);
    const tables: PgCounters['tables'] = {};
    const t = await c.query(`SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del FROM pg_stat_user_tables`);
    for (const x of t.rows) tables[x.relname] = { ins: Number(x.n_tup_ins), upd: Number(x.n_tup_upd), hot: Number(x.n_tup_hot_upd), del: Number(x.n_tup_del) };
    return { commits: Number(r.commits), rollbacks: Number(r.rollbacks), walSyncs: Number(r.wal_syncs), walBytes: Number(r.wal_bytes), tables };
  });
}

/** What this database's backends are doing (wait events), sampled until stop(): where Postgres time goes. */
function sampleWaits(): { stop: () => Promise<string> } {
  const counts = new Map<string, number>();
  let samples = 0;
  let running = true;
  const loop = withPg(databaseUrl(DB), async (c) => {
    while (running) {
      const { rows } = await c.query(
        `SELECT CASE WHEN state = 'active' THEN coalesce(wait_event_type || ':' || wait_event, 'on CPU') ELSE state END AS what, count(*)::int AS n
         FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND state <> 'idle' GROUP BY 1`, [DB]);
      samples++;
      for (const r of rows) counts.set(r.what, (counts.get(r.what) ?? 0) + r.n);
      await sleep(100);
    }
  });
  return {
    stop: async () => {
      running = false;
      await loop;
      return [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${(n / Math.max(1, samples)).toFixed(1)}`).join(', ') || 'idle';
    },
  };
}

/**
 * The ceiling: Bull alone, no-op jobs on a separate queue with the service's job options,
 * in the bench process: adds alone, then draining that backlog, then adds while processing.
 */
async function bullCeiling(n: number, concurrency: number, workerConcurrency: number): Promise<void> {
  console.log(`   -- ceiling: raw Bull, ${n} no-op jobs per phase (bench process, ${concurrency} adds in flight, process concurrency ${workerConcurrency})`);
  const prefix = queuePrefix('ceiling');
  const queue = new Bull('bench-ceiling', REDIS_URL, { prefix, defaultJobOptions: { removeOnComplete: true, removeOnFail: true } });
  try {
    await queue.isReady();
    let completed = 0;
    let lastDone = 0;
    let target = n;
    let reached: () => void = () => undefined;
    queue.on('completed', () => {
      lastDone = performance.now();
      if (++completed === target) reached();
    });
    const waitFor = (count: number) => new Promise<void>((resolve) => {
      target = count;
      reached = resolve;
      if (completed >= count) resolve();
    });
    const addAll = (from: number) => pool(n, concurrency, (i) => queue.add({ i }, { jobId: `noop-${from + i}` }));

    let t0 = performance.now();
    await addAll(0);
    const addRate = n / ((performance.now() - t0) / 1000);

    t0 = performance.now();
    void queue.process(workerConcurrency, async () => undefined);
    await Promise.race([waitFor(n), sleep(120_000)]);
    const drainRate = completed / ((lastDone - t0) / 1000);

    const before = completed;
    t0 = performance.now();
    await addAll(n);
    await Promise.race([waitFor(2 * n), sleep(120_000)]);
    const bothRate = (completed - before) / ((lastDone - t0) / 1000);
    note(`add only ${rate(addRate, ' jobs/s')}; process a backlog ${rate(drainRate, ' jobs/s')}; add while processing ${rate(bothRate, ' jobs/s')}`);
    record({ scenario: 'e2e', name: 'ceiling: raw Bull add+process (same process)', value: bothRate, unit: 'jobs/s' });
    record({ scenario: 'e2e', name: 'ceiling: raw Bull add only', value: addRate, unit: 'jobs/s' });
  } finally {
    await queue.close();
    await cleanRedis(prefix);
  }
}

export async function e2eThroughput(opts: BenchOptions): Promise<void> {
  const n = flagInt(opts, 'n', 20_000);
  const concurrency = flagInt(opts, 'concurrency', 64);
  const modes: Mode[] = opts.flags.mode === 'single' ? ['single'] : opts.flags.mode === 'split' ? ['split'] : ['single', 'split'];
  heading(`4. end-to-end throughput: ${n.toLocaleString('en-US')} echo jobs, HTTP create -> COMPLETED, ${concurrency} creates in flight`);
  const singleOpts = { ...opts, flags: { ...opts.flags, batch: '' } };
  for (const mode of modes) {
    const single = await runMode(singleOpts, mode, n, concurrency);
    if (!opts.flags.batch) continue;
    const batchConcurrency = flagInt(opts, 'batch-concurrency', Math.max(2, Math.round(concurrency / 16)));
    const batched = await runMode(opts, mode, n, batchConcurrency);
    note(`${mode}: batch ${batched.batchSize} ${rate(batched.jobsPerSecond, ' jobs/s')} vs single creates ${rate(single.jobsPerSecond, ' jobs/s')} `
      + `(x${(batched.jobsPerSecond / single.jobsPerSecond).toFixed(2)}), create->COMPLETED, same run`);
  }
  await bullCeiling(flagInt(opts, 'ceiling-n', 20_000), concurrency, flagInt(opts, 'worker-concurrency', 50));
}
