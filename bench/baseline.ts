/**
 * The side-by-side baseline (issue 12): in one run on this machine, raw Bull add+process,
 * pg-boss 10 send+work, and the service end to end (HTTP create -> COMPLETED with Slack
 * delivery to the local sink) in the `npm start` shape and the split shape, plus batch
 * creates once the batch route exists. Prints the ratios (service / pg-boss), CPU per
 * completed job by process, writes per job, and draws the chart; its figures feed the issue 12
 * target table that bench/run.ts prints at the end (bench/targets.ts).
 * Absolute figures move with the machine's load (it is shared): compare ratios of one run.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Bull from 'bull';
import PgBoss from 'pg-boss';
import {
  BenchOptions, cleanRedis, databaseUrl, dropDatabase, flagInt, httpRequest, pool, queuePrefix, REDIS_URL, sleep, throwawayDatabase,
  until, withApiOnly, withPg, PG_ADMIN_URL,
} from './harness';
import { drawThroughputChart, ChartSystem } from './baseline-chart';
import { databaseWal, formatWrites, holdWal, startCpuMeter, WriteCounts, writeCounts, writesBetween, writesPerJob } from './cost-meter';
import { E2eResult, runMode } from './e2e-throughput';
import { heading, note, rate, record } from './stats';

/** One system's measured window: throughput and CPU seconds by process over it. */
interface SystemResult {
  name: string;
  jobsPerSecond: number;
  completed: number;
  cpu: Record<string, number>;
  writes?: WriteCounts;
}

const WORKER_CONCURRENCY = 50; // the service's WORKER_CONCURRENCY default

/** Bull alone: `n` no-op jobs added (`concurrency` in flight) while a processor of the worker's concurrency drains them. */
async function rawBull(n: number, concurrency: number): Promise<SystemResult> {
  const prefix = queuePrefix('baseline-bull');
  const queue = new Bull('bench-baseline', REDIS_URL, { prefix, defaultJobOptions: { removeOnComplete: true, removeOnFail: true } });
  try {
    await queue.isReady();
    let completed = 0;
    let lastDone = 0;
    let reached: () => void = () => undefined;
    const all = new Promise<void>((r) => { reached = r; });
    queue.on('completed', () => {
      lastDone = performance.now();
      if (++completed === n) reached();
    });
    void queue.process(WORKER_CONCURRENCY, async () => undefined);
    await sleep(200);
    const meter = startCpuMeter(null, []);
    const t0 = performance.now();
    await pool(n, concurrency, (i) => queue.add({ i }, { jobId: `noop-${i}` }));
    await Promise.race([all, sleep(120_000)]);
    const cpu = await meter.stop();
    return { name: 'raw Bull', jobsPerSecond: completed / ((lastDone - t0) / 1000), completed, cpu };
  } finally {
    await queue.close();
    await cleanRedis(prefix);
  }
}

/**
 * pg-boss 10 in this process, its own throwaway database: `n` sends (`concurrency` in flight)
 * while `workers` work() loops fetch `batchSize` jobs at a time (batch fetching, as its docs
 * advise for throughput) with the shortest polling interval it allows (0.5 s; a loop that
 * found work fetches again at once only if the last fetch took longer). jobs/s = completed /
 * (last completed_on - first created_on), as Postgres recorded them, the service's definition.
 */
async function pgBoss(n: number, concurrency: number, workers: number, batchSize: number): Promise<SystemResult> {
  const db = throwawayDatabase('pgboss');
  await dropDatabase(db);
  await withPg(PG_ADMIN_URL, (c) => c.query(`CREATE DATABASE "${db}"`));
  const boss = new PgBoss({ connectionString: databaseUrl(db), max: 10, supervise: false, schedule: false });
  let stopping = false;
  boss.on('error', (err) => { if (!stopping) note(`pg-boss error: ${err.message}`); });
  const queue = 'bench-baseline';
  try {
    await boss.start();
    await boss.createQueue(queue);
    for (let i = 0; i < workers; i++) await boss.work(queue, { batchSize, pollingIntervalSeconds: 0.5 }, async () => undefined);
    // Warm-up: the statements prepared, the pool full.
    await pool(500, concurrency, () => boss.send(queue, { warm: true }));
    const sql = (text: string) => withPg(databaseUrl(db), async (c) => (await c.query(text, [queue])).rows);
    await until(() => sql(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state = 'completed'`), (r) => r[0].n >= 500, 30_000, 200);
    const since = (await sql(`SELECT now() AS t, $1::text AS q`))[0].t as Date;
    const walHold = await holdWal();
    const writes0 = await writeCounts(db);
    const meter = startCpuMeter(db, []);
    await pool(n, concurrency, (i) => boss.send(queue, { i }));
    const done = await until(() => sql(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state = 'completed'`), (r) => r[0].n >= n + 500, 120_000, 200);
    const cpu = await meter.stop();
    await sleep(1500); // table statistics are flushed about once a second
    const writes = writesBetween(writes0, await writeCounts(db));
    const ownWal = await databaseWal(db, writes0.lsn, writes.lsn);
    await walHold.release();
    if (ownWal) Object.assign(writes, { ownWalBytes: ownWal.bytes, ownFpiBytes: ownWal.fpi, ownWalByRecord: ownWal.byRecord });
    const [s] = await withPg(databaseUrl(db), async (c) => (await c.query(
      `SELECT count(*)::int AS completed, extract(epoch FROM max(completed_on) - min(created_on))::float8 AS span
       FROM pgboss.job WHERE name = $1 AND state = 'completed' AND created_on >= $2`, [queue, since])).rows);
    if (done[0].n < n + 500) note(`pg-boss: only ${done[0].n - 500} of ${n} completed within 120 s`);
    return { name: 'pg-boss', jobsPerSecond: s.completed / s.span, completed: s.completed, cpu, writes };
  } finally {
    stopping = true;
    await boss.stop({ graceful: false, wait: true, close: true }).catch(() => undefined);
    await dropDatabase(db);
  }
}

/**
 * Whether the batch create route exists in this build: a request with no items answers 400
 * (validation) when it does, 404 when it does not. The e2e scenario's `--batch 500` runs it.
 */
async function batchRouteExists(opts: BenchOptions): Promise<boolean> {
  let status = 0;
  await withApiOnly('baseline-probe', throwawayDatabase('probe'), opts, async ({ port, token }) => {
    status = (await httpRequest(undefined, port, 'POST', '/services/agent-jobs/batch', token, JSON.stringify({ jobs: [] }))).status;
  });
  return status !== 404 && status !== 0;
}

const fromE2e = (name: string, r: E2eResult): SystemResult => ({ name, jobsPerSecond: r.jobsPerSecond, completed: r.completed, cpu: r.cpu, writes: r.writes });

/** CPU ms per completed job, by process group (the bench client's share apart: it is the load, not the system). */
function cpuPerJob(r: SystemResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, s] of Object.entries(r.cpu)) out[k] = (1000 * s) / Math.max(1, r.completed);
  return out;
}

const systemTotal = (r: SystemResult) => Object.entries(cpuPerJob(r)).filter(([k]) => k !== 'bench' || !r.name.startsWith('service'))
  .reduce((s, [, v]) => s + v, 0);

export async function baseline(opts: BenchOptions): Promise<void> {
  const n = flagInt(opts, 'n', 8000);
  const concurrency = flagInt(opts, 'concurrency', 64);
  heading(`B. side-by-side baseline: raw Bull, pg-boss 10, the service (${n.toLocaleString('en-US')} jobs each, ${concurrency} creates in flight)`);
  note('one run, one machine (shared with other work: compare the ratios, not the absolute figures of two runs)');
  // --systems bull,pgboss,single,split,batch (default all): a subset, e.g. to tune pg-boss's settings.
  // A system not asked for gets no row, no record and no ratio: it was not measured.
  const wanted = new Set((opts.flags.systems ?? 'bull,pgboss,single,split,batch').split(',').map((x) => x.trim()));

  let bull: SystemResult | null = null;
  if (wanted.has('bull')) {
    console.log(`   -- raw Bull add+process: no-op processor, concurrency ${WORKER_CONCURRENCY}, ${concurrency} adds in flight, own prefix`);
    bull = await rawBull(flagInt(opts, 'bull-n', 5 * n), concurrency);
    note(`${rate(bull.jobsPerSecond, ' jobs/s')} (${bull.completed} jobs)`);
  }

  let boss: SystemResult | null = null;
  if (wanted.has('pgboss')) {
    const workers = flagInt(opts, 'pgboss-workers', 4);
    const batchSize = flagInt(opts, 'pgboss-batch', 250);
    console.log(`   -- pg-boss 10 send+work: ${workers} work() loops, batchSize ${batchSize}, polling 0.5 s, ${concurrency} sends in flight, own database`);
    boss = await pgBoss(flagInt(opts, 'pgboss-n', 2 * n), concurrency, workers, batchSize);
    note(`${rate(boss.jobsPerSecond, ' jobs/s')} (${boss.completed} jobs)`);
    if (boss.writes) for (const line of formatWrites(writesPerJob(boss.writes, boss.completed))) note(line);
  }

  const single = wanted.has('single') ? fromE2e('service, npm start', await runMode(opts, 'single', n, concurrency)) : null;
  const split = wanted.has('split') ? fromE2e('service, api + worker', await runMode(opts, 'split', n, concurrency)) : null;

  let batch: SystemResult | null = null;
  if (!wanted.has('batch')) {
    // not asked for
  } else if (await batchRouteExists(opts)) {
    const batchOpts = { ...opts, flags: { ...opts.flags, batch: opts.flags.batch ?? '500' } };
    // 4 requests of 500 in flight: ~2,000 jobs in flight, as many as 64 single creates keep busy and then some.
    const r = await runMode(batchOpts, 'split', n, Math.max(2, Math.round(concurrency / 16)));
    if (r.batchSize) batch = fromE2e(`service, batch ${r.batchSize}`, r);
    else note('batch creates: the route answers, but the e2e scenario has no --batch mode in this build (E2eResult.batchSize unset): the run above was single creates, left out');
  } else {
    note('batch creates: POST /services/agent-jobs/batch answers 404 in this build: skipped (runs once the batch route and e2e --batch are merged)');
  }

  const services = [single, split, batch].filter((r): r is SystemResult => r !== null);
  const measured = [bull, boss, ...services].filter((r): r is SystemResult => r !== null && Number.isFinite(r.jobsPerSecond));
  printTable(measured, boss);
  recordFigures(measured, boss, single, split, batch);
  // The committed chart compares raw Bull, pg-boss and the service: a subset run would overwrite it
  // with a partial picture, so it is drawn only for a full comparison or when --chart names a file.
  const full = bull !== null && boss !== null && services.length > 0;
  if (!full && !opts.flags.chart) {
    note('chart not written: it needs raw Bull, pg-boss and at least one service system in the run (or --chart <file>)');
    return;
  }
  const out = path.resolve(process.cwd(), opts.flags.chart ?? 'docs/benchmarks-throughput.png');
  const systems: ChartSystem[] = measured.map((r) => ({ name: r.name, jobsPerSecond: r.jobsPerSecond, cpuMsPerJob: cpuPerJob(r) }));
  await drawThroughputChart(systems, out, new Date().toISOString().slice(0, 16).replace('T', ' '));
  note(`chart written to ${path.relative(process.cwd(), out)}`);
}

function printTable(results: SystemResult[], boss: SystemResult | null): void {
  heading('B. throughput and CPU per completed job, side by side (this run)');
  const groups = ['api+worker', 'api', 'worker', 'postgres', 'redis', 'bench'];
  console.log(`   ${'system'.padEnd(24)} ${'jobs/s'.padStart(8)} ${'x pg-boss'.padStart(9)}   CPU ms/job: ${groups.map((g) => g.padStart(10)).join('')}  ${'total'.padStart(7)}`);
  for (const r of results) {
    const per = cpuPerJob(r);
    const ratio = boss ? `${(r.jobsPerSecond / boss.jobsPerSecond).toFixed(2)}x` : '-';
    console.log(`   ${r.name.padEnd(24)} ${Math.round(r.jobsPerSecond).toString().padStart(8)} ${ratio.padStart(9)}`
      + `               ${groups.map((g) => (per[g] === undefined ? '-' : per[g].toFixed(2)).padStart(10)).join('')}  ${systemTotal(r).toFixed(2).padStart(7)}`);
  }
  if (!boss) note('x pg-boss: pg-boss did not run (--systems), so no ratio');
  note('bench = this process: the pg-boss / Bull client and workers themselves, or the HTTP load generator for the service (left out of its total)');
  note('postgres = this database\'s backends + the shared WAL writer, checkpointer, background writer; redis = redis-server (machine-wide)');
}

/** The per-scenario summary lines, tagged with the issue 12 target row they feed (bench/targets.ts prints those). */
function recordFigures(results: SystemResult[], boss: SystemResult | null, single: SystemResult | null, split: SystemResult | null, batch: SystemResult | null): void {
  for (const r of results) record({ scenario: 'baseline', name: `${r.name}: jobs/s`, value: r.jobsPerSecond, unit: 'jobs/s' });
  if (boss && Number.isFinite(boss.jobsPerSecond)) {
    const ratio = (r: SystemResult, label: string, row: 'single' | 'batch', min: number) => record({
      scenario: 'baseline', name: `${label} / pg-boss`, value: r.jobsPerSecond / boss.jobsPerSecond, unit: 'x', target: { op: '>=', value: min }, row,
      note: `${Math.round(r.jobsPerSecond)} vs ${Math.round(boss.jobsPerSecond)} jobs/s`,
    });
    if (single) ratio(single, 'npm start', 'single', 0.6);
    if (split) ratio(split, 'api + worker', 'single', 0.6);
    if (batch) ratio(batch, `batch ${batch.name.replace('service, batch ', '')}`, 'batch', 1);
  }
  for (const r of [single, split, batch]) {
    if (!r || r.completed === 0) continue;
    const parts = Object.entries(cpuPerJob(r)).filter(([k]) => k !== 'bench').map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
    record({ scenario: 'baseline', name: `CPU ms per job (${r.name.replace('service, ', '')})`, value: systemTotal(r), unit: 'ms', target: { op: '<=', value: 1 }, row: 'cpu', note: parts });
  }
}
