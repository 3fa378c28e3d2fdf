/**
 * 9. retention at scale. A copy of the list scenario's database (1M jobs of one org over 90
 * days, their tasks; `--rows` as for list) gets a worker with RETENTION_DAYS=30: about two
 * thirds of the jobs are past the cutoff. Reported: how fast retention deletes (jobs/s, and
 * rows/s counting jobs and tasks), and the list's cursor pages (limit 50, newest first, one
 * request at a time) while it runs against the same walk idle, before the worker starts.
 */
import { performance } from 'node:perf_hooks';
import {
  BenchOptions, cleanRedis, databaseUrl, dropDatabase, flagInt, freePort, httpRequest, issueToken, keepAliveAgent,
  ORG, PG_ADMIN_URL, queuePrefix, Service, serviceEnv, sleep, startService, throwawayDatabase, withPg,
} from './harness';
import { LIST_DB, seed } from './list-at-scale';
import { heading, ms, note, printLatency, rate, record, summarize } from './stats';

const RETENTION_DAYS = 30;

export async function retentionBench(opts: BenchOptions): Promise<void> {
  const total = flagInt(opts, 'rows', 1_000_000);
  const pages = flagInt(opts, 'pages', 200);
  const limit = flagInt(opts, 'limit', 50);
  const seconds = flagInt(opts, 'seconds', 30);
  const batch = flagInt(opts, 'batch', 200);
  heading(`9. retention at scale: ${total.toLocaleString('en-US')} jobs, RETENTION_DAYS=${RETENTION_DAYS}, batches of ${batch}; list pages of ${limit} idle and while it runs (${seconds} s)`);
  const prefix = queuePrefix('retention');
  const port = await freePort();
  const database = throwawayDatabase('retention');
  const env = serviceEnv(database, prefix, port, {
    RETENTION_DAYS: String(RETENTION_DAYS), RETENTION_BATCH_SIZE: String(batch), RETENTION_INTERVAL_MS: '1000',
  });
  let api: Service | undefined;
  let worker: Service | undefined;
  try {
    await seed(serviceEnv(LIST_DB, prefix, port), total);
    const copied = performance.now();
    await dropDatabase(database);
    await withPg(PG_ADMIN_URL, (c) => c.query(`CREATE DATABASE "${database}" TEMPLATE "${LIST_DB}"`));
    const url = databaseUrl(database);
    // The seeded live jobs are not the point here: nothing comes due and no deadline passes,
    // so the worker's reconciler stays idle and the window measures retention alone.
    const counts = await withPg(url, async (c) => {
      await c.query(`UPDATE tasks SET run_at = now() + interval '100 years' WHERE status = 'PENDING'`);
      await c.query(`UPDATE jobs SET deadline_at = now() + interval '100 years' WHERE status = 'RUNNING'`);
      await c.query(`VACUUM ANALYZE jobs`);
      return (await c.query(
        `SELECT (SELECT count(*) FROM jobs WHERE status IN ('COMPLETED', 'FAILED', 'CANCELED') AND parent_job_id IS NULL
                   AND completed_at < now() - $1::int * interval '1 day')::int AS due`, [RETENTION_DAYS],
      )).rows[0] as { due: number };
    });
    note(`copied ${LIST_DB} to ${database} in ${((performance.now() - copied) / 1000).toFixed(0)} s; ${counts.due.toLocaleString('en-US')} finished jobs past the cutoff`);

    const token = await issueToken(env, ORG, 'SERVICES:READ');
    api = await startService('api', env, opts);
    const agent = keepAliveAgent(2);
    const path = `/services/agent-jobs?sort=created_at:desc&limit=${limit}`;
    let cursor: string | null = null;
    /** The next cursor page of the walk (back to the first page after `pages` of them, or at the end). */
    let walked = 0;
    const page = async (): Promise<number> => {
      const r = await httpRequest(agent, port, 'GET', cursor ? `${path}&cursor=${encodeURIComponent(cursor)}` : path, token);
      if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body.slice(0, 300)}`);
      const wasCursorPage = cursor !== null;
      cursor = (JSON.parse(r.body) as { meta: { next_cursor: string | null } }).meta.next_cursor;
      if (++walked % pages === 0) cursor = null;
      return wasCursorPage ? r.ms : NaN;
    };
    for (let i = 0; i < 20; i++) await page(); // warm-up
    const idle: number[] = [];
    while (idle.length < pages) {
      const v = await page();
      if (Number.isFinite(v)) idle.push(v);
    }

    const jobsAndTasks = () => withPg(url, async (c) => (await c.query(
      `SELECT (SELECT count(*) FROM jobs)::int AS jobs, (SELECT count(*) FROM tasks)::int AS tasks`,
    )).rows[0] as { jobs: number; tasks: number });
    const before = await jobsAndTasks();
    worker = await startService('worker', env, opts);
    // The window opens once the first batch is gone (the worker has booted).
    while ((await jobsAndTasks()).jobs === before.jobs) await sleep(200);
    const start = await jobsAndTasks();
    const t0 = performance.now();
    const loaded: number[] = [];
    while (performance.now() - t0 < seconds * 1000) {
      const v = await page();
      if (Number.isFinite(v)) loaded.push(v);
    }
    const end = await jobsAndTasks();
    const elapsed = (performance.now() - t0) / 1000;
    const jobsPerS = (start.jobs - end.jobs) / elapsed;
    const rowsPerS = (start.jobs - end.jobs + start.tasks - end.tasks) / elapsed;
    const cpu = worker.cpuSeconds();
    await worker.stop();
    worker = undefined;

    const idleS = summarize(idle);
    const loadedS = summarize(loaded);
    printLatency('list cursor pages, idle', idleS);
    printLatency('list cursor pages, retention running', loadedS);
    note(`retention: ${(start.jobs - end.jobs).toLocaleString('en-US')} jobs and ${(start.tasks - end.tasks).toLocaleString('en-US')} tasks in ${elapsed.toFixed(1)} s: `
      + `${rate(jobsPerS, ' jobs/s')}, ${rate(rowsPerS, ' rows/s')} (worker CPU ${cpu.toFixed(1)} s over its life)`);
    note(`list p99 while retention runs: ${ms(loadedS.p99)} = ${(loadedS.p99 / idleS.p99).toFixed(2)} x idle (${ms(idleS.p99)}); target <= 1.5 x`);
    record({ scenario: 'retention', name: 'deletion rate (jobs)', value: jobsPerS, unit: 'jobs/s' });
    record({ scenario: 'retention', name: 'deletion rate (jobs + tasks)', value: rowsPerS, unit: 'rows/s' });
    record({ scenario: 'retention', name: 'list cursor page p99, idle', value: idleS.p99, unit: 'ms' });
    record({
      scenario: 'retention', name: 'list cursor page p99, retention running', value: loadedS.p99, unit: 'ms',
      target: { op: '<=', value: 1.5 * idleS.p99 }, note: '1.5 x idle',
    });
    agent.destroy();
  } finally {
    await worker?.stop();
    await api?.stop();
    await cleanRedis(prefix);
    if (!opts.keep) await dropDatabase(database);
  }
}
