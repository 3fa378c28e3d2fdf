/**
 * P. create and pickup latency while the created jobs run (issue 12), in both shapes (npm start =
 * API and worker in one process; api + worker processes). Per shape: the sustained single-create
 * rate from a closed-loop burst (jobs completed per second, create -> COMPLETED, as in the e2e
 * scenario; or --sustained N), then single creates open loop at 50 % of it for --seconds, jobs
 * due now and delivered to the local Slack sink. Unlike the create scenario (jobs due tomorrow,
 * no worker), the worker competes with the API for the two cores here, as it does in production.
 *
 * create latency: from the scheduled send time to the 201 (paced(), so a stall cannot hide).
 * pickup: the job's started_at (Postgres now() of the claiming transaction) minus the moment the
 * 201 answered, both on this machine's wall clock. It can be negative: the task is on the queue
 * before the API has written its answer, and a worker may claim it first.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  BenchOptions, cleanRedis, databaseUrl, dropDatabase, ensureEchoJobType, flagInt, freePort, httpRequest, issueToken,
  jobBody, keepAliveAgent, ORG, pool, queuePrefix, readProbe, Service, sizedServiceEnv, sleep, startService, stopAll, throwawayDatabase, until, withPg,
} from './harness';
import { paced } from './create-latency';
import { printProbe } from './profile-summary';
import type { Mode } from './e2e-throughput';
import { heading, note, printLatency, rate, record, summarize } from './stats';

/** One shape's running services and what a scenario needs to talk to them. */
export interface Shape {
  mode: Mode;
  label: string;
  services: Service[];
  port: number;
  token: string;
  agent: http.Agent;
  prefix: string;
  sql: (text: string, params?: unknown[]) => Promise<any[]>; // rows as pg returns them
}

export const shapeLabel = (mode: Mode) => (mode === 'single' ? 'npm start' : 'api + worker');

/**
 * The service started the way the e2e scenario starts it (own database and queue prefix, the
 * local sink as Slack, --worker-concurrency / --db-pool / --api-processes), the echo job type set
 * up; everything stopped and cleaned afterwards. `name`: [a-z]+ (stale-run clean-up parses it).
 */
export async function withShape<T>(opts: BenchOptions, name: string, mode: Mode, inFlight: number, run: (s: Shape) => Promise<T>): Promise<T> {
  const db = throwawayDatabase(name);
  const prefix = queuePrefix(`${name}-${mode}`);
  const port = await freePort();
  const env = sizedServiceEnv(opts, db, prefix, port);
  const services: Service[] = [];
  const agent = keepAliveAgent(inFlight);
  await dropDatabase(db);
  try {
    const token = await issueToken(env, ORG, 'SERVICES:WRITE');
    services.push(await startService(mode === 'single' ? 'api+worker' : 'api', env, opts));
    if (mode === 'split') services.push(await startService('worker', env, opts));
    await ensureEchoJobType(port, token);
    const sql = (text: string, params: unknown[] = []) => withPg(databaseUrl(db), async (c) => (await c.query(text, params)).rows);
    return await run({ mode, label: shapeLabel(mode), services, port, token, agent, prefix, sql });
  } finally {
    agent.destroy();
    await stopAll(services);
    await cleanRedis(prefix);
    if (!opts.keep) await dropDatabase(db);
  }
}

/** Waits until no job of the database is unfinished or has a delivery still PENDING; returns the counts by status. */
export async function waitAllFinished(shape: Shape, timeoutMs: number): Promise<{ open: number; byStatus: Record<string, number> }> {
  const rows = await until(
    () => shape.sql(`SELECT count(*) FILTER (WHERE status NOT IN ('COMPLETED', 'FAILED', 'CANCELED') OR delivery->>'status' = 'PENDING')::int AS open FROM jobs`),
    (r) => r[0].open === 0, timeoutMs, 250,
  );
  const by = await shape.sql(`SELECT status, count(*)::int AS n FROM jobs GROUP BY 1`);
  return { open: rows[0].open, byStatus: Object.fromEntries(by.map((r) => [r.status, r.n])) };
}

/**
 * Maps performance.now() to epoch ms with sub-millisecond precision, comparable with Postgres
 * timestamps: Date.now() floors to the millisecond, so the largest of many (Date.now() -
 * performance.now()) samples is the offset. Calibrated per window (the two clocks drift apart slowly).
 */
function wallClock(): (t: number) => number {
  let offset = -Infinity;
  const end = performance.now() + 5;
  while (performance.now() < end) offset = Math.max(offset, Date.now() - performance.now());
  return (t) => t + offset;
}

/** Single creates of jobs due now, closed loop: jobs completed per second (first created -> last completed, as Postgres stamped them). */
async function sustainedRate(shape: Shape, n: number, concurrency: number): Promise<number> {
  const body = jobBody(ORG);
  const ids: string[] = [];
  await pool(n, concurrency, async () => {
    const r = await httpRequest(shape.agent, shape.port, 'POST', '/services/agent-jobs', shape.token, body).catch(() => null);
    if (r?.status === 201) ids.push(JSON.parse(r.body).data.job_id);
  });
  await waitAllFinished(shape, 60_000 + n * 10);
  const [s] = await shape.sql(
    `SELECT count(*) FILTER (WHERE status = 'COMPLETED')::int AS completed, extract(epoch FROM max(completed_at) - min(created_at))::float8 AS span
     FROM jobs WHERE id = ANY($1)`, [ids]);
  note(`sustained: ${n} single creates, ${concurrency} in flight: ${s.completed} completed in ${Number(s.span).toFixed(2)} s = ${rate(s.completed / s.span, ' jobs/s')}`);
  return s.completed / s.span;
}

async function runShape(opts: BenchOptions, mode: Mode, seconds: number): Promise<void> {
  const concurrency = flagInt(opts, 'concurrency', 64);
  console.log(`   -- ${mode === 'single' ? 'one process: api --with-worker (npm start)' : 'two processes: api + worker'}`);
  await withShape(opts, 'pickup', mode, concurrency, async (shape) => {
    const body = jobBody(ORG);
    // Warm-up (JIT, pools) that also proves the worker runs.
    await pool(500, 16, () => httpRequest(shape.agent, shape.port, 'POST', '/services/agent-jobs', shape.token, body));
    const warm = await waitAllFinished(shape, 60_000);
    if (warm.open) throw new Error(`warm-up: ${warm.open} of 500 jobs unfinished after 60 s (${JSON.stringify(warm.byStatus)})`);

    const sustained = opts.flags.sustained ? flagInt(opts, 'sustained', 1) : await sustainedRate(shape, flagInt(opts, 'sustained-n', 3000), concurrency);
    if (opts.flags.sustained) note(`sustained: ${rate(sustained, ' jobs/s')} (--sustained)`);
    const perSecond = Math.max(1, Math.round(sustained / 2));
    note(`open loop at 50 %: ${perSecond} single creates/s for ${seconds} s, jobs due now, delivered to the local sink`);

    await sleep(1000); // the burst's deliveries and statistics settled
    const wall = wallClock();
    const answered = new Map<string, number>(); // job id -> wall-clock ms of the 201
    const fire = async () => {
      const r = await httpRequest(shape.agent, shape.port, 'POST', '/services/agent-jobs', shape.token, body);
      const at = wall(performance.now());
      if (r.status === 201) answered.set(JSON.parse(r.body).data.job_id, at);
      return r;
    };
    if (opts.profile) shape.services.forEach((s) => s.probe());
    const w = await paced(perSecond, seconds, fire);
    if (opts.profile) {
      shape.services.forEach((s) => s.probe());
      for (const s of shape.services) printProbe(s.label, await readProbe(s), w.latencies.length, 'create');
    }
    const finished = await waitAllFinished(shape, 60_000);
    note(`sent ${w.latencies.length + w.errors} in ${(w.elapsedMs / 1000).toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries(w.statuses))}; errors ${w.errors}; `
      + `jobs ${JSON.stringify(finished.byStatus)}${finished.open ? `, ${finished.open} STILL OPEN after 60 s` : ''}`);

    const rows = await shape.sql(
      `SELECT id, extract(epoch FROM started_at) * 1000 AS started_ms, extract(epoch FROM created_at) * 1000 AS created_ms,
              extract(epoch FROM completed_at) * 1000 AS completed_ms
       FROM jobs WHERE id = ANY($1)`, [[...answered.keys()]]);
    const started = rows.filter((r) => r.started_ms !== null);
    const pickup = started.map((r) => Number(r.started_ms) - answered.get(r.id)!);
    const create = summarize(w.latencies);
    const p = summarize(pickup);
    printLatency('create (scheduled send -> 201)', create);
    printLatency('create (actual send -> 201)', summarize(w.serviceTimes));
    printLatency('pickup (201 -> started_at)', p);
    printLatency('  created_at -> started_at (server)', summarize(started.map((r) => Number(r.started_ms) - Number(r.created_ms))));
    printLatency('  201 -> completed_at', summarize(rows.filter((r) => r.completed_ms !== null).map((r) => Number(r.completed_ms) - answered.get(r.id)!)));
    note(`${started.length} of ${answered.size} created jobs started; ${pickup.filter((x) => x < 0).length} were claimed before their 201 reached the bench (negative pickup)`);

    const at = `@ ${perSecond}/s (50 % of ${Math.round(sustained)})`;
    const short = started.length < answered.size ? `${answered.size - started.length} of ${answered.size} never started` : undefined;
    record({ scenario: 'pickup', name: `${shape.label}: create p50 ${at}`, value: create.p50, unit: 'ms' });
    record({ scenario: 'pickup', name: `${shape.label}: create p99 ${at}`, value: create.p99, unit: 'ms', target: { op: '<=', value: 15 }, row: 'create' });
    record({ scenario: 'pickup', name: `${shape.label}: pickup p50 ${at}`, value: p.p50, unit: 'ms' });
    record({ scenario: 'pickup', name: `${shape.label}: pickup p99 ${at}`, value: p.p99, unit: 'ms', target: { op: '<=', value: 20 }, row: 'pickup', note: short });
  });
}

export async function pickupLatency(opts: BenchOptions): Promise<void> {
  const seconds = flagInt(opts, 'seconds', 10);
  const modes: Mode[] = opts.flags.mode === 'single' ? ['single'] : opts.flags.mode === 'split' ? ['split'] : ['single', 'split'];
  heading(`P. create and pickup latency while the jobs run: single creates at 50 % of the sustained rate, ${seconds} s per shape`);
  for (const mode of modes) await runShape(opts, mode, seconds);
}
