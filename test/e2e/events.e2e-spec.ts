import { Client } from 'pg';
import type { QueryRunner } from 'typeorm';
import { JobEventKind1764610000000 } from '../../libs/database/src/migrations/1764610000000-JobEventKind';
import { echoTenant, type JobEvent } from '../support/jobs';
import { createTestDatabase, eventually, inAnHour, startTestApp, TestApp } from '../support/test-app';
import { startWebhookReceiver, WebhookReceiver } from '../support/webhook-receiver';

const TERMINAL = ['COMPLETED', 'FAILED', 'CANCELED'];

describe('job events: id and kind', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let org: string;
  let auth: Record<string, string>;

  const events = async (id: string): Promise<JobEvent[]> => {
    const res = await t.http().get(`/services/agent-jobs/${id}/events`).set(auth);
    expect(res.status).toBe(200);
    return res.body.data;
  };
  const create = async (extra: Record<string, unknown>) => {
    const res = await t.http().post('/services/agent-jobs').set(auth).send({ job_type_id: 'echo', params: { hello: 'events' }, ...extra });
    expect(res.status).toBe(201);
    return res.body.data.job_id as string;
  };
  const expectIncreasingIds = (list: JobEvent[]) => {
    for (const e of list) expect(Number.isSafeInteger(e.id) && e.id > 0).toBe(true);
    for (let i = 1; i < list.length; i++) expect(list[i].id).toBeGreaterThan(list[i - 1].id);
  };

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await startTestApp({ env: { DELIVERY_BACKOFF_BASE_MS: '100' } });
    ({ org, auth } = await echoTenant(t, 'events'));
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('a job delivered to a webhook channel: transitions, exactly one entering a terminal status, then its delivery event', async () => {
    const hook = receiver.endpoint('ok');
    const id = await create({ target_channel: { org_id: org, platform: 'webhook', code: 'events-hook', data: { url: hook.url } } });
    const job = await eventually(async () => {
      const got = (await t.http().get(`/services/agent-jobs/${id}`).set(auth)).body.data;
      return got.delivery?.status === 'DELIVERED' && got;
    });
    expect(receiver.forPath(hook.path)).toHaveLength(1);

    const all = await events(id);
    for (const e of all) {
      expect(Object.keys(e)).toEqual(['id', 'job_id', 'kind', 'from', 'to', 'at', 'actor', 'reason', 'task_id']);
      expect(e.job_id).toBe(id);
    }
    expectIncreasingIds(all);
    const transitions = all.filter((e) => e.kind === 'transition');
    expect(transitions.map((e) => [e.from, e.to])).toEqual([[null, 'WAITING'], ['WAITING', 'RUNNING'], ['RUNNING', 'COMPLETED']]);
    expect(transitions.filter((e) => TERMINAL.includes(e.to))).toHaveLength(1);
    const deliveries = all.filter((e) => e.kind === 'delivery');
    expect(deliveries).toEqual([expect.objectContaining({
      from: 'COMPLETED', to: 'COMPLETED', actor: 'delivery', task_id: job.tasks[0].task_id,
    })]);
    expect(all).toHaveLength(transitions.length + deliveries.length);
    expect(deliveries[0].id).toBeGreaterThan(transitions[2].id);
    // The column, not the actor, is what the view shows: they agree on every row.
    const { rows } = await t.db.query(`SELECT kind, actor FROM job_events WHERE job_id = $1 ORDER BY id`, [id]);
    expect(rows.map((r: { kind: string }) => r.kind)).toEqual(all.map((e) => e.kind));
  });

  it('a canceled job has transitions only; event ids are unique across jobs', async () => {
    const channel = { org_id: org, platform: 'slack', code: 'C0EVENTS' };
    const first = await create({ target_channel: channel, scheduled_at: inAnHour() });
    const second = await create({ target_channel: channel, scheduled_at: inAnHour() });
    for (const id of [first, second]) {
      expect((await t.http().delete(`/services/agent-jobs/${id}`).set(auth).send({ reason: 'not needed' })).status).toBe(200);
    }
    const [a, b] = [await events(first), await events(second)];
    for (const list of [a, b]) {
      expect(list.map((e) => [e.kind, e.from, e.to])).toEqual([['transition', null, 'SCHEDULED'], ['transition', 'SCHEDULED', 'CANCELED']]);
      expect(list[1].reason).toBe('not needed');
      expectIncreasingIds(list);
    }
    const ids = [...a, ...b].map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('migration JobEventKind', () => {
  it('backfills kind from the actor of the rows written before it', async () => {
    const db = new Client({ connectionString: (await createTestDatabase()).url });
    await db.connect();
    const runner = { query: (sql: string) => db.query(sql) } as unknown as QueryRunner;
    try {
      const migration = new JobEventKind1764610000000();
      await migration.down(runner);
      await db.query(`INSERT INTO orgs (id) VALUES ('mig-org')`);
      await db.query(`INSERT INTO jobs (id, org_id, job_type_id, status, target_channel, config, scheduled_at)
                      VALUES ('job_mig', 'mig-org', 'echo', 'COMPLETED', '{}', '{}', now())`);
      await db.query(`INSERT INTO job_events (job_id, org_id, from_status, to_status, actor) VALUES
                        ('job_mig', 'mig-org', NULL, 'WAITING', 'token:tok_1'),
                        ('job_mig', 'mig-org', 'WAITING', 'COMPLETED', 'worker'),
                        ('job_mig', 'mig-org', 'COMPLETED', 'COMPLETED', 'delivery')`);
      await migration.up(runner);
      const { rows } = await db.query(`SELECT actor, kind FROM job_events ORDER BY id`);
      expect(rows).toEqual([
        { actor: 'token:tok_1', kind: 'transition' }, { actor: 'worker', kind: 'transition' }, { actor: 'delivery', kind: 'delivery' },
      ]);
      // An INSERT that does not name the column (as every transition's does) is a transition; nothing else is a kind.
      await db.query(`INSERT INTO job_events (job_id, org_id, from_status, to_status, actor) VALUES ('job_mig', 'mig-org', 'COMPLETED', 'COMPLETED', 'system')`);
      expect((await db.query(`SELECT kind FROM job_events WHERE actor = 'system'`)).rows).toEqual([{ kind: 'transition' }]);
      await expect(db.query(`UPDATE job_events SET kind = 'other' WHERE actor = 'system'`)).rejects.toThrow(/job_events_kind_check/);
    } finally {
      await db.end();
    }
  });
});
