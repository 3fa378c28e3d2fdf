/**
 * 2. scheduled start lag. N echo jobs with scheduled_at spread over a few seconds, API
 * and worker as separate processes (production shape); lag = started_at - scheduled_at
 * as Postgres recorded them (both stamped on this machine's clock).
 */
import Bull from 'bull';
import {
  BenchOptions, cleanRedis, throwawayDatabase, dropDatabase, ensureEchoJobType, flagInt, freePort, httpRequest, issueToken, jobBody,
  keepAliveAgent, ORG, pool, queuePrefix, readProbe, Service, serviceEnv, startService, stopAll, until, withPg, databaseUrl, REDIS_URL,
} from './harness';
import { printProbe } from './profile-summary';
import { heading, note, printLatency, record, summarize } from './stats';

const DB = throwawayDatabase('schedule');

export async function scheduleLag(opts: BenchOptions): Promise<void> {
  const n = flagInt(opts, 'jobs', 200);
  const spreadMs = flagInt(opts, 'spread-ms', 5000);
  const single = opts.flags.mode === 'single';
  heading(`2. scheduled start lag: ${n} echo jobs over ${spreadMs / 1000} s, ${single ? 'API+worker in one process' : 'API and worker processes'}`);
  const prefix = queuePrefix('schedule');
  const port = await freePort();
  const env = serviceEnv(DB, prefix, port);
  const services: Service[] = [];
  await dropDatabase(DB);
  try {
    const token = await issueToken(env, ORG, 'SERVICES:WRITE');
    services.push(await startService(single ? 'api+worker' : 'api', env, opts));
    if (!single) services.push(await startService('worker', env, opts));
    await ensureEchoJobType(port, token);
    const agent = keepAliveAgent(16);
    const jobs = (sql: string, params: unknown[]) => withPg(databaseUrl(DB), async (c) => (await c.query(sql, params)).rows);

    // Warm-up, which also proves the worker takes jobs: 20 immediate jobs must complete.
    const warm = await pool(20, 5, () => httpRequest(agent, port, 'POST', '/services/agent-jobs', token, jobBody(ORG, { metadata: { warmup: true } })));
    if (warm.some((r) => r.status !== 201)) throw new Error(`warm-up create failed: ${warm.find((r) => r.status !== 201)!.body}`);
    const warmed = await until(() => jobs(`SELECT count(*)::int AS n FROM jobs WHERE status = 'COMPLETED'`, []), (r) => r[0].n >= 20, 30_000);
    if (warmed[0].n < 20) throw new Error('warm-up jobs did not complete within 30 s: is the worker running?');

    // Where the lag goes: Bull publishes "waiting" when its delay timer moves a job to the
    // wait list; the bench listens (psubscribe) and stamps it, keyed by the Bull job id (= task id).
    const promoted = new Map<string, number>();
    const listener = new Bull('agent-tasks', REDIS_URL, { prefix });
    listener.on('global:waiting', (bullJobId: string) => promoted.set(String(bullJobId), Date.now()));
    await listener.isReady();
    await new Promise((r) => setTimeout(r, 200)); // the psubscribe is in place

    for (const svc of services) svc.probe();
    const base = Date.now() + 3000 + n * 10; // every job is created before the first one is due
    const ids: string[] = [];
    const taskOf = new Map<string, string>();
    const created = await pool(n, 8, async (i) => {
      const at = new Date(base + Math.floor((i * spreadMs) / n)).toISOString();
      const r = await httpRequest(agent, port, 'POST', '/services/agent-jobs', token, jobBody(ORG, { scheduled_at: at }));
      if (r.status === 201) {
        const job = JSON.parse(r.body).data;
        ids.push(job.job_id);
        taskOf.set(job.job_id, job.tasks?.[0]?.task_id);
      }
      return r;
    });
    const createdBy = Date.now();
    if (createdBy > base) note(`warning: creating took until ${createdBy - base} ms after the first scheduled time`);
    const failed = created.filter((r) => r.status !== 201).length;

    const rows = await until(
      () => jobs(`SELECT id, status, extract(epoch FROM scheduled_at) * 1000 AS due_ms, extract(epoch FROM (started_at - scheduled_at)) * 1000 AS lag_ms FROM jobs WHERE id = ANY($1)`, [ids]),
      (r) => r.length === ids.length && r.every((x) => x.lag_ms !== null && x.status === 'COMPLETED'),
      spreadMs + 30_000, 250,
    );
    for (const svc of services) svc.probe();
    const lags = rows.filter((r) => r.lag_ms !== null).map((r) => Number(r.lag_ms));
    const s = summarize(lags);
    note(`created ${ids.length} (${failed} failed); started ${lags.length}; completed ${rows.filter((r) => r.status === 'COMPLETED').length}; early starts (lag < 0): ${lags.filter((l) => l < 0).length}`);
    printLatency('started_at - scheduled_at', s);
    const split = rows.filter((r) => r.lag_ms !== null && promoted.has(taskOf.get(r.id)!));
    if (split.length) {
      const toWait = split.map((r) => promoted.get(taskOf.get(r.id)!)! - Number(r.due_ms));
      printLatency('  due -> Bull moved it to wait', summarize(toWait));
      printLatency('  wait -> claimed (started_at)', summarize(split.map((r, i) => Number(r.lag_ms) - toWait[i])));
      note('(the split is stamped by the bench on Redis pub/sub, so it is approximate to ~1 ms)');
    }
    await listener.close();
    if (opts.profile) for (const svc of services) printProbe(svc.label, await readProbe(svc), ids.length);
    record({ scenario: 'schedule', name: 'start lag p50', value: s.p50, unit: 'ms' });
    record({ scenario: 'schedule', name: 'start lag p99', value: s.p99, unit: 'ms', target: { op: '<=', value: 20 } });
    record({ scenario: 'schedule', name: 'start lag max', value: s.max, unit: 'ms' });
    agent.destroy();
  } finally {
    await stopAll(services);
    await cleanRedis(prefix);
    if (!opts.keep) await dropDatabase(DB);
  }
}
