/**
 * 5. soak. Jobs created at a steady rate for a long time (default 30 min at 75 creates/s, half
 * the rate npm start sustained over 30 min) against npm start's shape (--mode split: API and
 * worker processes), every tenth with a callback_url so events go through the outbox to
 * webhook deliveries; every job runs (echo) and posts its result (to the local sink). Each
 * minute prints: create p50/p99 (open loop, from the scheduled send time), the services' RSS,
 * the Redis keys under the run's prefix, how many jobs and events exist and how many jobs are
 * unfinished, and what the workers' periodic "anything to do?" statements cost against the
 * grown tables. All of these should stay flat as history grows; the bench prints, never asserts.
 */
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { ORDERED_WALK } from '../libs/database/src/ordered-walk';
import { DUE_TASKS_SQL } from '../libs/jobs/src/task-recovery.repository';
import { OUTBOX_PEEK_SQL } from '../libs/jobs/src/observed-jobs.repository';
import { paced } from './create-latency';
import {
  BenchOptions, cleanRedis, countRedisKeys, databaseUrl, dropDatabase, ensureEchoJobType, flagInt, freePort, httpRequest, issueToken, jobBody,
  keepAliveAgent, ORG, queuePrefix, Service, serviceEnv, sharedSink, startService, stopAll, throwawayDatabase, until,
} from './harness';
import { heading, ms, note, record, summarize } from './stats';

const DB = throwawayDatabase('soak');
const MiB = 2 ** 20;

/** The statements a worker runs every pass whatever the load, with the parameters it uses, and whether it runs them as an orderedWalk. */
const PERIODIC: Array<[string, string, unknown[], boolean]> = [
  ['outbox peek', OUTBOX_PEEK_SQL, [], false],
  ['due tasks', DUE_TASKS_SQL, [5000, 500, null, null], true],
];

export async function soak(opts: BenchOptions): Promise<void> {
  const perSecond = flagInt(opts, 'rate', 75);
  const minutes = flagInt(opts, 'minutes', 30);
  const split = opts.flags.mode === 'split';
  heading(`5. soak: ${perSecond} creates/s for ${minutes} min, ${split ? 'API and worker processes' : 'API+worker in one process (npm start)'}`);
  const prefix = queuePrefix('soak');
  const port = await freePort();
  const env = serviceEnv(DB, prefix, port);
  const services: Service[] = [];
  const sink = await sharedSink();
  await dropDatabase(DB);
  const pg = new Client({ connectionString: databaseUrl(DB) });
  try {
    const token = await issueToken(env, ORG, 'SERVICES:WRITE');
    services.push(await startService(split ? 'api' : 'api+worker', env, opts));
    if (split) services.push(await startService('worker', env, opts));
    await ensureEchoJobType(port, token);
    await pg.connect();
    const count = async (sql: string) => Number((await pg.query(sql)).rows[0].n);
    const agent = keepAliveAgent(64);
    const plain = jobBody(ORG);
    const withCallback = jobBody(ORG, { callback_url: `${sink.url}/soak-callback` });
    let sent = 0;
    const fire = () => httpRequest(agent, port, 'POST', '/services/agent-jobs', token, ++sent % 10 === 0 ? withCallback : plain);

    await paced(perSecond, 5, fire); // warm-up: JIT, pools, caches
    const warm = await until(() => count(`SELECT count(*) AS n FROM jobs WHERE status <> 'COMPLETED'`), (n) => n === 0, 60_000, 250);
    if (warm !== 0) throw new Error(`warm-up: ${warm} jobs not completed within 60 s: is the worker running?`);

    note('min   creates  non-201   p50 ms   p99 ms |  RSS MiB | redis keys |  created  unfinished    events | periodic statements');
    const rows: Array<{ p50: number; p99: number; rss: number; keys: number }> = [];
    let created = 0;
    for (let minute = 1; minute <= minutes; minute++) {
      const r = await paced(perSecond, 60, fire);
      const s = summarize(r.latencies);
      const non201 = r.latencies.length + r.errors - (r.statuses.get(201) ?? 0);
      const rss = services.reduce((sum, svc) => sum + svc.rssBytes(), 0);
      const keys = await countRedisKeys(prefix);
      created += r.statuses.get(201) ?? 0;
      // Index reads only: the bench's own statements must not grow with the history it measures.
      const [unfinished, events] = await Promise.all([
        count(`SELECT count(*) AS n FROM jobs WHERE org_id = '${ORG}' AND status IN ('WAITING', 'SCHEDULED', 'RUNNING')`),
        count(`SELECT coalesce(max(id), 0) AS n FROM job_events`),
      ]);
      const periodic = [];
      for (const [name, sql, params, walk] of PERIODIC) periodic.push(`${name} ${ms(await medianTime(pg, sql, params, walk))}`);
      rows.push({ p50: s.p50, p99: s.p99, rss, keys });
      note(`${String(minute).padStart(3)}  ${String(r.latencies.length).padStart(8)}  ${String(non201).padStart(7)}  ${s.p50.toFixed(2).padStart(7)}  ${s.p99.toFixed(2).padStart(7)} | `
        + `${(rss / MiB).toFixed(0).padStart(8)} | ${String(keys).padStart(10)} | ${String(created).padStart(8)}  ${String(unfinished).padStart(10)}  ${String(events).padStart(8)} | ${periodic.join(', ')}`);
      // What the non-201s were: answers by status, and requests that got no answer (socket errors).
      if (non201) note(`      non-201: statuses ${JSON.stringify(Object.fromEntries([...r.statuses].filter(([code]) => code !== 201)))}, no answer ${r.errors}`);
    }
    const first = rows[0];
    const last = rows[rows.length - 1];
    note(`first -> last minute: create p50 ${ms(first.p50)} -> ${ms(last.p50)}, p99 ${ms(first.p99)} -> ${ms(last.p99)}, `
      + `RSS ${(first.rss / MiB).toFixed(0)} -> ${(last.rss / MiB).toFixed(0)} MiB, Redis keys ${first.keys} -> ${last.keys}`);
    record({ scenario: 'soak', name: `create p99, last minute @ ${perSecond} rps`, value: last.p99, unit: 'ms' });
    record({ scenario: 'soak', name: `create p99, worst minute`, value: Math.max(...rows.map((x) => x.p99)), unit: 'ms' });
    agent.destroy();
  } finally {
    await pg.end().catch(() => undefined);
    await stopAll(services);
    await cleanRedis(prefix);
    if (!opts.keep) await dropDatabase(DB);
  }
}

/** The median of five runs of a statement, as the bench's own connection sees it. */
async function medianTime(pg: Client, sql: string, params: unknown[], walk: boolean): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    if (walk) await pg.query(`BEGIN; ${ORDERED_WALK}`);
    await pg.query(sql, params);
    if (walk) await pg.query('COMMIT');
    times.push(performance.now() - t);
  }
  return summarize(times).p50;
}
