/**
 * 3. listing at scale. 1,000,000 jobs of one org (plus their tasks) seeded with SQL into
 * agent_jobs_bench, once: later runs reuse it when the count matches. Then GET
 * /services/agent-jobs is walked page by page through next_cursor, one request at a time,
 * for several sorts and filters. The first page answers meta.total (summed from job_counts, or
 * counted with a time-range filter), so it is reported apart from the cursor pages (which
 * carry the total in the cursor): --first-pages of them per filter, as a distribution.
 */
import { performance } from 'node:perf_hooks';
import {
  BenchOptions, cleanRedis, databaseExists, databaseUrl, flagInt, freePort, httpRequest, issueToken, keepAliveAgent,
  ORG, queuePrefix, readProbe, Service, serviceEnv, startService, withPg,
} from './harness';
import { printProbe } from './profile-summary';
import { heading, ms, note, printLatency, record, summarize } from './stats';

/** The 1M-job database, seeded once and reused (the retention scenario copies it); --db picks another (helpers share this machine: one seeded size per name). */
export const LIST_DB = 'agent_jobs_bench';
let DB = LIST_DB;
const BATCH = 100_000;

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/** Crockford base32 of a number, for ULID-shaped ids (pg_temp: gone with the session). */
const B32_SQL = `
  CREATE OR REPLACE FUNCTION pg_temp.b32(v bigint, len int) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $f$
  DECLARE out text := '';
  BEGIN
    FOR i IN 1..len LOOP out := substr('${CROCKFORD}', (v % 32)::int + 1, 1) || out; v := v / 32; END LOOP;
    RETURN out;
  END $f$`;

/**
 * Rows the way the service writes them: ULID-shaped ids in creation order, 90 days of
 * history, mostly terminal statuses with the live ones (WAITING/SCHEDULED/RUNNING) among
 * the newest, five job types, 23 channels, one task per job (two for FAILED: a retry).
 */
const SEED_SQL = `
  WITH src AS (
    SELECT g,
           $3::timestamptz - interval '90 days' + (g::float8 / $4) * interval '90 days' AS ts,
           ((g::bigint * 2654435761) % 1000)::int AS r
    FROM generate_series($1::int, $2::int) g
  ), shaped AS (
    SELECT g, ts, r,
           'job_' || pg_temp.b32((extract(epoch FROM ts) * 1000)::bigint, 10) || pg_temp.b32(g::bigint * 7919 + 104729, 16) AS id,
           CASE
             WHEN g > $4 - 20000 THEN (ARRAY['SCHEDULED','SCHEDULED','WAITING','RUNNING','RUNNING','COMPLETED','COMPLETED','COMPLETED','FAILED','CANCELED'])[1 + r % 10]
             WHEN r < 850 THEN 'COMPLETED' WHEN r < 950 THEN 'FAILED' ELSE 'CANCELED'
           END AS status,
           (ARRAY['echo','daily-report','summarize','triage','digest'])[1 + g % 5] AS job_type_id,
           'C' || lpad((g % 23)::text, 8, '0') AS channel
    FROM src
  ), ins AS (
    INSERT INTO jobs (id, org_id, job_type_id, status, channel_code, target_channel, params, config, metadata, result, error,
                      scheduled_at, started_at, completed_at, deadline_at, created_at, updated_at, created_by,
                      cancel_reason, canceled_by, canceled_at)
    SELECT id, '${ORG}', job_type_id, status, channel,
           jsonb_build_object('org_id', '${ORG}', 'platform', 'slack', 'type', 'channel', 'code', channel),
           jsonb_build_object('topic', 'weekly numbers', 'n', g),
           '{"max_follow_ups": 3, "max_task_retries": 2, "task_retry_interval": 30, "start_prompt": null, "max_time_to_complete": 3600, "profile_id": null}'::jsonb,
           CASE WHEN g % 4 = 0 THEN jsonb_build_object('source', 'bench', 'batch', g / 1000) END,
           CASE WHEN status = 'COMPLETED' THEN jsonb_build_object('text', 'All good: 42 items processed', 'n', g) END,
           CASE WHEN status = 'FAILED' THEN '{"code": "AGENT_ERROR", "message": "the agent answered 500"}'::jsonb END,
           CASE WHEN status = 'SCHEDULED' THEN ts + interval '2 hours' ELSE ts END,
           CASE WHEN status IN ('RUNNING','COMPLETED','FAILED') THEN ts + interval '1 second' END,
           CASE WHEN status IN ('COMPLETED','FAILED','CANCELED') THEN ts + interval '20 seconds' END,
           CASE WHEN status IN ('RUNNING','COMPLETED','FAILED') THEN ts + interval '1 hour' END,
           ts,
           CASE WHEN status IN ('COMPLETED','FAILED','CANCELED') THEN ts + interval '20 seconds' ELSE ts + interval '1 second' END,
           'token:tok_bench',
           CASE WHEN status = 'CANCELED' THEN 'no longer needed' END,
           CASE WHEN status = 'CANCELED' THEN 'token:tok_bench' END,
           CASE WHEN status = 'CANCELED' THEN ts + interval '20 seconds' END
    FROM shaped
    RETURNING id, status, scheduled_at, created_at
  )
  INSERT INTO tasks (id, job_id, org_id, kind, attempt, status, run_at, created_at, started_at, finished_at, result, error)
  SELECT 'task_' || substr(ins.id, 5) || n.k, ins.id, '${ORG}', CASE WHEN n.k = 1 THEN 'initial' ELSE 'retry' END, n.k,
         CASE ins.status WHEN 'COMPLETED' THEN 'COMPLETED' WHEN 'FAILED' THEN 'FAILED' WHEN 'CANCELED' THEN 'CANCELED'
                         WHEN 'RUNNING' THEN 'RUNNING' ELSE 'PENDING' END,
         ins.scheduled_at, ins.created_at,
         CASE WHEN ins.status IN ('RUNNING','COMPLETED','FAILED') THEN ins.created_at + interval '1 second' END,
         CASE WHEN ins.status IN ('COMPLETED','FAILED','CANCELED') THEN ins.created_at + interval '20 seconds' END,
         CASE WHEN ins.status = 'COMPLETED' THEN '{"text": "All good: 42 items processed"}'::jsonb END,
         CASE WHEN ins.status = 'FAILED' THEN '{"code": "AGENT_ERROR", "message": "the agent answered 500"}'::jsonb END
  FROM ins CROSS JOIN LATERAL generate_series(1, CASE WHEN ins.status = 'FAILED' THEN 2 ELSE 1 END) AS n(k)`;

export async function seed(env: NodeJS.ProcessEnv, total: number): Promise<void> {
  const url = databaseUrl(DB);
  const have = (await databaseExists(DB))
    ? await withPg(url, async (c) => {
      const t = await c.query(`SELECT to_regclass('jobs') IS NOT NULL AS ok`);
      return t.rows[0].ok ? Number((await c.query(`SELECT count(*) AS n FROM jobs WHERE org_id = $1`, [ORG])).rows[0].n) : -1;
    })
    : -1;
  if (have === total) {
    note(`reusing ${DB}: ${total.toLocaleString('en-US')} jobs already seeded`);
    return;
  }
  await issueToken(env, ORG, 'SERVICES:READ'); // creates and migrates the database, and the org
  const started = performance.now();
  await withPg(url, async (c) => {
    await c.query(`DELETE FROM tasks WHERE org_id = $1`, [ORG]);
    await c.query(`DELETE FROM job_events WHERE org_id = $1`, [ORG]);
    await c.query(`DELETE FROM jobs WHERE org_id = $1`, [ORG]);
    const anchor = new Date();
    await c.query(B32_SQL);
    for (let from = 1; from <= total; from += BATCH) {
      const to = Math.min(total, from + BATCH - 1);
      await c.query(SEED_SQL, [from, to, anchor, total]);
      process.stdout.write(`\r   seeding ${DB}: ${to.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} jobs (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
    process.stdout.write('\n');
    await c.query(`VACUUM ANALYZE jobs`);
    await c.query(`VACUUM ANALYZE tasks`);
  });
  note(`seeded in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

interface Walk {
  label: string;
  query: string;
  figure?: boolean;
  /** Only first pages (with meta.total), no cursor walk. */
  firstOnly?: boolean;
}

export async function listAtScale(opts: BenchOptions): Promise<void> {
  const total = flagInt(opts, 'rows', 1_000_000);
  if (opts.flags.db) DB = opts.flags.db;
  const pages = flagInt(opts, 'pages', 200);
  const limit = flagInt(opts, 'limit', 50);
  const firstPages = flagInt(opts, 'first-pages', 40);
  heading(`3. listing at scale: ${total.toLocaleString('en-US')} jobs in one org, ${pages} cursor pages of ${limit}, one request at a time`);
  const prefix = queuePrefix('list');
  const port = await freePort();
  const env = serviceEnv(DB, prefix, port);
  let api: Service | undefined;
  try {
    await seed(env, total);
    const token = await issueToken(env, ORG, 'SERVICES:READ');
    api = await startService('api', env, opts);
    const agent = keepAliveAgent(4);
    let bytes = 0;
    const get = async (path: string) => {
      const r = await httpRequest(agent, port, 'GET', path, token);
      if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body.slice(0, 300)}`);
      bytes += r.body.length;
      return { ms: r.ms, body: JSON.parse(r.body) as { data: unknown[]; meta: { total: number; next_cursor: string | null } } };
    };
    const walks: Walk[] = [
      { label: 'created_at:desc (default)', query: `sort=created_at:desc&limit=${limit}`, figure: true },
      { label: 'status=FAILED, created_at:desc', query: `status=FAILED&sort=created_at:desc&limit=${limit}`, figure: true },
      { label: 'status=WAITING,SCHEDULED,RUNNING', query: `status=WAITING,SCHEDULED,RUNNING&limit=${limit}` },
      { label: 'job_type_id + channel_code', query: `job_type_id=summarize&channel_code=C00000007&limit=${limit}` },
      { label: 'updated_at:asc (oldest first)', query: `sort=updated_at:asc&limit=${limit}` },
      { label: 'job_type_id=summarize', query: `job_type_id=summarize&limit=${limit}`, firstOnly: true },
      { label: 'channel_code=C00000007', query: `channel_code=C00000007&limit=${limit}`, firstOnly: true },
      { label: 'created_at_gte (last 7 days, counts)', query: `created_at_gte=${encodeURIComponent(new Date(Date.now() - 7 * 86_400_000).toISOString())}&limit=${limit}`, firstOnly: true },
    ];
    for (let i = 0; i < 20; i++) await get(`/services/agent-jobs?${walks[i % walks.length].query}`); // warm-up
    if (opts.profile) api.probe();
    let requests = 0;
    bytes = 0;
    const cpu0 = api.cpuSeconds();
    for (const walk of walks) {
      const first = await get(`/services/agent-jobs?${walk.query}`);
      const latencies: number[] = [];
      let cursor = first.body.meta.next_cursor;
      let rows = first.body.data.length;
      while (cursor && latencies.length < pages && !walk.firstOnly) {
        const page = await get(`/services/agent-jobs?${walk.query}&cursor=${encodeURIComponent(cursor)}`);
        latencies.push(page.ms);
        rows += page.body.data.length;
        cursor = page.body.meta.next_cursor;
      }
      requests += latencies.length + 1;
      // First pages again: the total's cost with warm caches, as a distribution.
      const firsts: number[] = [];
      for (let i = 0; i < firstPages; i++) firsts.push((await get(`/services/agent-jobs?${walk.query}`)).ms);
      requests += firstPages;
      console.log(`   -- ${walk.label}: total ${first.body.meta.total.toLocaleString('en-US')}, walked ${rows.toLocaleString('en-US')} rows`);
      note(`first page (with meta.total), cold: ${ms(first.ms)}`);
      const f = summarize(firsts);
      printLatency('first pages (meta.total)', f);
      // The time-range walk counts its total (no counter row answers it): not one of issue 12's first-page filters.
      const counted = walk.label.includes('counts');
      const scale = total === 1_000_000 ? undefined : `${total.toLocaleString('en-US')} jobs seeded, not 1M`;
      record({ scenario: 'list', name: `${walk.label}: first page p99`, value: f.p99, unit: 'ms', target: counted ? undefined : { op: '<=', value: 20 }, row: counted ? undefined : 'first', note: scale });
      if (walk.firstOnly) continue;
      const s = summarize(latencies);
      printLatency('cursor pages', s);
      if (walk.figure) record({ scenario: 'list', name: `${walk.label}: cursor page p50`, value: s.p50, unit: 'ms' });
      // Every walked filter: issue 12's list row ("every filter") takes the worst of them.
      record({ scenario: 'list', name: `${walk.label}: cursor page p99`, value: s.p99, unit: 'ms', target: { op: '<=', value: 10 }, row: 'list', note: scale });
    }
    note(`API process: ${((1000 * (api.cpuSeconds() - cpu0)) / requests).toFixed(2)} ms CPU and ${(bytes / requests / 1024).toFixed(0)} KiB of JSON per request, over ${requests} requests`);
    if (opts.profile) {
      api.probe();
      printProbe('api', await readProbe(api), requests, 'request');
    }
    agent.destroy();
  } finally {
    await api?.stop();
    await cleanRedis(prefix);
  }
}
