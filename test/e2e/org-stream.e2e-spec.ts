import { INestApplication } from '@nestjs/common';
import { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { createApp } from '../../apps/api/create-app';
import { openStream, SseClient } from '../support/sse-client';
import { bearer, eventually, inAnHour, newOrg, startTestApp, TestApp } from '../support/test-app';
import { startWebhookReceiver, WebhookReceiver } from '../support/webhook-receiver';

const echo = (id: string) => ({ id, name: id, executor: { type: 'builtin', name: 'echo' } });

describe('GET /services/events/stream', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let org: string;
  let write: Record<string, string>;
  let read: string;

  const stream = (query = '', token: string | null = read, lastEventId?: string | number, base = t.url) =>
    openStream(base, `/services/events/stream${query}`, token, lastEventId);
  const hook = (code: string) => ({ org_id: org, platform: 'webhook', code, data: { url: receiver.endpoint('ok').url } });
  const create = async (extra: Record<string, unknown> = {}) => {
    const res = await t.http().post('/services/agent-jobs').set(write).send({ job_type_id: 'echo', target_channel: hook('org-hook'), ...extra });
    expect(res.status).toBe(201);
    return res.body.data.job_id as string;
  };
  const delivered = (ids: string[]) => eventually(async () => {
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM jobs WHERE id = ANY($1) AND delivery->>'status' = 'DELIVERED'`, [ids]);
    return rows[0].n === ids.length;
  }, 30_000);
  const orgEventIds = async (where = 'true', params: unknown[] = []) => (await t.db.query(
    `SELECT e.id FROM job_events e JOIN jobs j ON j.id = e.job_id WHERE e.org_id = $1 AND ${where} ORDER BY e.id`, [org, ...params],
  )).rows.map((r) => Number(r.id));
  const insertEvent = (db: { query: Client['query'] }, jobId: string, reason: string) => db.query(
    `INSERT INTO job_events (job_id, org_id, from_status, to_status, actor, reason, dispatched) VALUES ($1, $2, 'SCHEDULED', 'SCHEDULED', 'system', $3, true) RETURNING id`,
    [jobId, org, reason],
  ).then((r) => Number(r.rows[0].id));
  const increasing = (ids: number[]) => ids.every((id, i) => i === 0 || id > ids[i - 1]);

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    // Org streams wait up to 30 s for an id in flight: their order below holds whatever the machine's load.
    t = await startTestApp({ env: { DELIVERY_BACKOFF_BASE_MS: '100', STREAM_HOLE_WAIT_MS: '30000' } });
    org = newOrg('orgstream');
    write = bearer(await t.token(org, { SERVICES: 'WRITE' }));
    read = await t.token(org, { SERVICES: 'READ' });
    for (const id of ['echo', 'echo2']) expect((await t.http().post('/services/job-types').set(write).send(echo(id))).status).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('replays the org\'s history without a position (or from ?after=0), is live only with ?after=latest, and never shows another org\'s events', async () => {
    const earlier = await create();
    await delivered([earlier]);
    const other = newOrg('orgstream-other');
    const otherWrite = bearer(await t.token(other, { SERVICES: 'WRITE' }));
    expect((await t.http().post('/services/job-types').set(otherWrite).send(echo('echo'))).status).toBe(201);

    const live = await stream('?after=latest');
    expect(live.status).toBe(200);
    expect(live.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const theirs = await t.http().post('/services/agent-jobs').set(otherWrite)
      .send({ job_type_id: 'echo', target_channel: { org_id: other, platform: 'slack', code: 'C0OTHER' } });
    expect(theirs.status).toBe(201);
    const job = await create();
    await delivered([job]);
    const jobEvents = (await t.db.query(`SELECT id FROM job_events WHERE job_id = $1 ORDER BY id`, [job])).rows.map((r) => Number(r.id));
    await live.waitFor((c) => c.ids.includes(jobEvents[jobEvents.length - 1]));
    expect(live.ids).toEqual(jobEvents);
    expect(live.events.every((e) => e.job_id === job)).toBe(true);
    for (const m of live.messages) expect([m.event, m.id]).toEqual([JSON.parse(m.data).kind, String(JSON.parse(m.data).id)]);

    const all = await orgEventIds();
    for (const history of [await stream(), await stream('?after=0')]) {
      await history.waitForCount(all.length);
      expect(history.ids).toEqual(all);
      expect(history.events.filter((e) => e.job_id === earlier)).toHaveLength(4);
      await history.close();
    }
    await live.close();
  });

  it('filters by job_type_id, channel_code and kind, in the replay and live alike', async () => {
    const before = (await orgEventIds()).pop() ?? 0;
    const firstHalf = [
      await create({ job_type_id: 'echo2', target_channel: hook('hook-b') }),
      await create({ job_type_id: 'echo', target_channel: hook('hook-a') }),
    ];
    await delivered(firstHalf);
    const streams = {
      kind: await stream(`?after=${before}&kind=delivery`),
      type: await stream(`?after=${before}&job_type_id=echo2`),
      channel: await stream(`?after=${before}&channel_code=hook-b`),
      all: await stream(`?after=${before}&job_type_id=echo&channel_code=hook-a&kind=transition`),
    };
    const secondHalf = [
      await create({ job_type_id: 'echo2', target_channel: hook('hook-a') }),
      await create({ job_type_id: 'echo', target_channel: hook('hook-b') }),
    ];
    await delivered(secondHalf);
    const expected = {
      kind: await orgEventIds(`e.id > $2 AND e.kind = 'delivery'`, [before]),
      type: await orgEventIds(`e.id > $2 AND j.job_type_id = 'echo2'`, [before]),
      channel: await orgEventIds(`e.id > $2 AND j.channel_code = 'hook-b'`, [before]),
      all: await orgEventIds(`e.id > $2 AND j.job_type_id = 'echo' AND j.channel_code = 'hook-a' AND e.kind = 'transition'`, [before]),
    };
    expect(expected.kind).toHaveLength(4);
    expect(expected.type).toHaveLength(8);
    expect(expected.all).toHaveLength(3);
    for (const [name, client] of Object.entries(streams) as Array<[keyof typeof expected, SseClient]>) {
      await client.waitForCount(expected[name].length);
      expect({ name, ids: client.ids }).toEqual({ name, ids: expected[name] });
      await client.close();
    }
  });

  it('answers 400 for an unknown parameter or a bad kind, 401 without a token, before any byte of stream', async () => {
    for (const [client, status] of [
      [await stream('?bogus=1'), 400], [await stream('?kind=status'), 400], [await stream('?after=x'), 400], [await stream('?after=-1'), 400], [await stream('?after=Latest'), 400], [await stream('', null), 401],
    ] as Array<[SseClient, number]>) {
      expect({ status: client.status, type: client.headers.get('content-type') })
        .toEqual({ status, type: expect.stringMatching(/^application\/problem\+json/) });
      expect(client.messages).toEqual([]);
    }
  });

  it('many jobs at once: a live stream and a replayed-then-resumed one get every event once, in id order', async () => {
    const before = (await orgEventIds()).pop() ?? 0;
    const live = await stream('?after=latest');
    const burst = Promise.all(Array.from({ length: 30 }, () => create()));
    // Opened while the jobs are being created and run, dropped midway, resumed from its last id.
    const first = await stream(`?after=${before}`);
    await first.waitForCount(20);
    await first.close();
    const second = await stream(`?after=${before}`, read, first.lastEventId);
    const jobs = await burst;
    await delivered(jobs);
    const all = await orgEventIds('e.id > $2', [before]);
    expect(all).toHaveLength(30 * 4);
    await Promise.all([live.waitForCount(all.length), second.waitForCount(all.length - first.ids.length)]);
    expect(live.ids).toEqual(all);
    expect([...first.ids, ...second.ids]).toEqual(all);
    await Promise.all([live.close(), second.close()]);
  });

  describe('event ids that commit out of order', () => {
    let jobA: string;
    let jobB: string;
    let tx: Client;
    let replica: INestApplication;
    let replicaUrl: string;

    beforeAll(async () => {
      [jobA, jobB] = [await create({ scheduled_at: inAnHour() }), await create({ scheduled_at: inAnHour() })];
      tx = new Client({ connectionString: t.env.DATABASE_URL });
      await tx.connect();
      // A second API process on the same database that does not wait for holes at all.
      replica = await createApp({ env: { ...t.env, STREAM_HOLE_WAIT_MS: '0' }, withWorker: false, logger: ['error'] });
      await replica.listen(0, '127.0.0.1');
      replicaUrl = `http://127.0.0.1:${(replica.getHttpServer().address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await tx?.end();
      await replica?.close();
    });

    /** An event of job A inserted in an open transaction, then one of job B committed: B's id is the higher. */
    async function openHole(watchers: SseClient[]) {
      await tx.query('BEGIN');
      const held = await insertEvent(tx, jobA, 'in flight');
      const later = await insertEvent(t.db, jobB, 'committed first');
      expect(later).toBeGreaterThan(held);
      // Job streams are not held back: once they have B's event, every feed has read it.
      await Promise.all(watchers.map((w) => w.waitFor((c) => c.ids.includes(later))));
      return { held, later };
    }

    it('org streams hold later events back until the lower id commits, then send both in order', async () => {
      const org1 = await stream('?after=latest');
      const jobStream = await openStream(t.url, `/services/agent-jobs/${jobB}/stream?after=${(await orgEventIds()).pop()}`, read);
      const { held, later } = await openHole([jobStream]);
      expect(org1.ids).not.toContain(later);
      await tx.query('COMMIT');
      await org1.waitFor((c) => c.ids.includes(later));
      expect(org1.ids).toEqual([held, later]);
      await Promise.all([org1.close(), jobStream.close()]);
    });

    it('a rolled-back id stops holding them at once (not after STREAM_HOLE_WAIT_MS)', async () => {
      const org1 = await stream('?after=latest');
      const jobStream = await openStream(t.url, `/services/agent-jobs/${jobB}/stream?after=${(await orgEventIds()).pop()}`, read);
      const { later } = await openHole([jobStream]);
      await tx.query('ROLLBACK');
      // Within the 30 s the hole could hold it (once every write transaction of the cluster open when it was found has ended).
      await org1.waitFor((c) => c.ids.includes(later), 25_000);
      expect(org1.ids).toEqual([later]);
      await Promise.all([org1.close(), jobStream.close()]);
    });

    it('past STREAM_HOLE_WAIT_MS later events go first and the late one still follows; every replica gets them', async () => {
      const after = (await orgEventIds()).pop();
      const waiting = await stream('?after=latest');
      const eager = await stream('?after=latest', read, undefined, replicaUrl);
      const watchers = await Promise.all([t.url, replicaUrl].map((base) => openStream(base, `/services/agent-jobs/${jobB}/stream?after=${after}`, read)));
      const { held, later } = await openHole(watchers);
      await eager.waitFor((c) => c.ids.includes(later));
      expect(waiting.ids).toEqual([]);
      await tx.query('COMMIT');
      await eager.waitFor((c) => c.ids.includes(held));
      expect(eager.ids).toEqual([later, held]);
      await waiting.waitFor((c) => c.ids.includes(later));
      expect(waiting.ids).toEqual([held, later]);
      await Promise.all([waiting, eager, ...watchers].map((c) => c.close()));
    });
  });
});
