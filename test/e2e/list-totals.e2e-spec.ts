import { Client } from 'pg';
import type { QueryRunner } from 'typeorm';
import { JobCounts1765010000000 } from '../../libs/database/src/migrations/1765010000000-JobCounts';
import { AgentServer, createHttpJobType, startAgentServer } from '../support/agent-server';
import { createEchoJobType, orgWithToken } from '../support/jobs';
import { eventually, startTestApp, TestApp } from '../support/test-app';

type Auth = Record<string, string>;
const TERMINAL = ['COMPLETED', 'FAILED', 'CANCELED'];

/**
 * The first page's `meta.total` comes from `job_counts` (kept by triggers on `jobs`) when the
 * filters are status / job_type_id / channel_code only: after a mix of creates, runs, failures,
 * timeouts, cancels of subjob trees and deletes, it must equal count(*) for every combination.
 */
describe('list totals from job_counts', () => {
  let t: TestApp;
  let agent: AgentServer;
  let org: string;
  let auth: Auth;

  beforeAll(async () => {
    [t, agent] = await Promise.all([startTestApp(), startAgentServer()]);
    ({ org, auth } = await orgWithToken(t, 'totals'));
    await createEchoJobType(t, auth);
    await createHttpJobType(t, agent, auth, { id: 'broken', behaviour: 'http-500' });
    await createHttpJobType(t, agent, auth, { id: 'parked', behaviour: 'accept' });
    await createHttpJobType(t, agent, auth, { id: 'sleepy', behaviour: 'sleep' });
  });
  afterAll(async () => {
    await agent?.close();
    await t?.close();
  });

  const create = async (jobType: string, channel: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const res = await t.http().post('/services/agent-jobs').set(auth).send({
      target_channel: { org_id: org, platform: 'slack', code: channel }, job_type_id: jobType, ...extra,
    });
    expect(res.status).toBe(201);
    return res.body.data.job_id;
  };
  const statusOf = async (id: string) => (await t.db.query(`SELECT status FROM jobs WHERE id = $1`, [id])).rows[0]?.status;
  const later = () => new Date(Date.now() + 3_600_000).toISOString();

  const countersByKey = async (orgId: string) =>
    (await t.db.query(
      `SELECT job_type_id, channel_code, status, sum(n)::int AS n FROM job_counts WHERE org_id = $1
       GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3`, [orgId],
    )).rows;
  const jobsByKey = async (orgId: string) =>
    (await t.db.query(
      `SELECT job_type_id, coalesce(channel_code, '') AS channel_code, status, count(*)::int AS n FROM jobs WHERE org_id = $1
       GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`, [orgId],
    )).rows;

  it('equals count(*) for every status / job type / channel combination after creates, runs, failures, timeouts, cancels of trees, deletes', async () => {
    const ids: Record<string, string[]> = { done: [], failed: [], running: [], timedOut: [], waiting: [], scheduled: [] };
    for (const channel of ['C0TOTALA', 'C0TOTALB']) {
      for (let i = 0; i < 3; i++) ids.done.push(await create('echo', channel));
      ids.failed.push(await create('broken', channel, { config: { max_task_retries: 0 } }));
      ids.running.push(await create('parked', channel));
      ids.scheduled.push(await create('echo', channel, { scheduled_at: later() }));
    }
    ids.timedOut.push(await create('sleepy', 'C0TOTALA', { config: { max_time_to_complete: 2, max_task_retries: 0 } }));
    // A tree canceled at its root: parent, child and grandchild go CANCELED in one statement.
    const parent = await create('echo', 'C0TOTALB', { scheduled_at: later() });
    const child = await create('echo', 'C0TOTALA', { scheduled_at: later(), parent_job_id: parent });
    const grandchild = await create('parked', 'C0TOTALB', { scheduled_at: later(), parent_job_id: child });
    const cancel = await t.http().delete(`/services/agent-jobs/${parent}`).set(auth).send({ reason: 'not needed' });
    expect(cancel.status).toBe(200);
    expect(await statusOf(grandchild)).toBe('CANCELED');
    const lone = await create('broken', 'C0TOTALA', { scheduled_at: later() });
    expect((await t.http().delete(`/services/agent-jobs/${lone}`).set(auth).send({})).status).toBe(200);

    await eventually(async () => {
      for (const id of [...ids.done, ...ids.failed, ...ids.timedOut]) if (!TERMINAL.includes(await statusOf(id))) return false;
      for (const id of ids.running) if ((await statusOf(id)) !== 'RUNNING') return false;
      return true;
    }, 20_000);
    expect(await statusOf(ids.timedOut[0])).toBe('FAILED');
    // Deletes as retention and clear make them: terminal jobs without subjobs, in one statement.
    const deleted = await t.db.query(
      `DELETE FROM jobs WHERE id = ANY($1) OR id = $2 RETURNING id`, [[ids.done[0], ids.done[4], ids.failed[1]], lone],
    );
    expect(deleted.rowCount).toBe(4);

    expect(await countersByKey(org)).toEqual(await jobsByKey(org));

    const statusFilters = [undefined, 'COMPLETED', 'FAILED', 'RUNNING', 'SCHEDULED', 'CANCELED', 'WAITING', 'WAITING,SCHEDULED,RUNNING', 'COMPLETED,FAILED'];
    const typeFilters = [undefined, 'echo', 'broken', 'parked', 'sleepy', 'nope'];
    const channelFilters = [undefined, 'C0TOTALA', 'C0TOTALB', 'C0NOTHERE'];
    const checked: string[] = [];
    for (const status of statusFilters) {
      for (const jobType of typeFilters) {
        for (const channel of channelFilters) {
          const query = new URLSearchParams({ limit: '2' });
          if (status) query.set('status', status);
          if (jobType) query.set('job_type_id', jobType);
          if (channel) query.set('channel_code', channel);
          const res = await t.http().get(`/services/agent-jobs?${query}`).set(auth);
          expect(res.status).toBe(200);
          const { rows } = await t.db.query(
            `SELECT count(*)::int AS n FROM jobs WHERE org_id = $1 AND ($2::text[] IS NULL OR status = ANY($2))
               AND ($3::text IS NULL OR job_type_id = $3) AND ($4::text IS NULL OR channel_code = $4)`,
            [org, status?.split(',') ?? null, jobType ?? null, channel ?? null],
          );
          expect({ query: String(query), total: res.body.meta.total }).toEqual({ query: String(query), total: rows[0].n });
          checked.push(String(query));
        }
      }
    }
    expect(checked).toHaveLength(statusFilters.length * typeFilters.length * channelFilters.length);
    // Time-range filters count the jobs (the counters have no time).
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const ranged = await t.http().get(`/services/agent-jobs?created_at_gte=${encodeURIComponent(since)}&status=COMPLETED`).set(auth);
    const completed = await t.db.query(`SELECT count(*)::int AS n FROM jobs WHERE org_id = $1 AND status = 'COMPLETED'`, [org]);
    expect(ranged.body.meta.total).toBe(completed.rows[0].n);
  });

  it("counts no other org's jobs", async () => {
    const other = await orgWithToken(t, 'totals-other');
    const res = await t.http().get('/services/agent-jobs').set(other.auth);
    expect(res.status).toBe(200);
    expect(res.body.meta.total).toBe(0);
    expect(await countersByKey(other.org)).toEqual([]);
  });

  it('the migration backfills the counters of existing jobs in one statement, under a lock against writers', async () => {
    const before = await jobsByKey(org);
    expect(before.length).toBeGreaterThan(5);
    const c = new Client({ connectionString: t.env.DATABASE_URL as string });
    await c.connect();
    const runner = { query: (sql: string) => c.query(sql).then((r) => r.rows) } as unknown as QueryRunner;
    const migration = new JobCounts1765010000000();
    try {
      await c.query('BEGIN');
      await migration.down(runner);
      await migration.up(runner);
      await c.query('COMMIT');
    } finally {
      await c.end();
    }
    expect(await countersByKey(org)).toEqual(before);
    // The counters the backfill wrote are shard 0; the triggers keep adding to them.
    await create('echo', 'C0TOTALA', { scheduled_at: later() });
    expect(await countersByKey(org)).toEqual(await jobsByKey(org));
  });
});
