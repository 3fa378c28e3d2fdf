import { OpenStreams } from '../../libs/jobs/src/streams/open-streams';
import { AgentServer, createHttpJobType, startAgentServer } from '../support/agent-server';
import { expectProblem } from '../support/problem';
import { createEchoJobType, echoTenant, type JobEvent } from '../support/jobs';
import { openStream, SseClient } from '../support/sse-client';
import { bearer, eventually, inAnHour, newOrg, startTestApp, TestApp, tokenId } from '../support/test-app';
import { startWebhookReceiver, WebhookReceiver } from '../support/webhook-receiver';

const TERMINAL = ['COMPLETED', 'FAILED', 'CANCELED'];
const MAX_BUFFER_BYTES = 16_384;

describe('GET /services/agent-jobs/:id/stream', () => {
  let t: TestApp;
  let agent: AgentServer;
  let receiver: WebhookReceiver;
  let org: string;
  let write: Record<string, string>;
  let read: string;
  let manualType: string;

  const stream = (jobId: string, token: string | null = read, lastEventId?: number | string, query = '') =>
    openStream(t.url, `/services/agent-jobs/${jobId}/stream${query}`, token, lastEventId);
  const storedEvents = async (jobId: string): Promise<JobEvent[]> => {
    const res = await t.http().get(`/services/agent-jobs/${jobId}/events`).set(write);
    expect(res.status).toBe(200);
    return res.body.data;
  };
  const create = async (extra: Record<string, unknown>, auth = write, orgId = org) => {
    const res = await t.http().post('/services/agent-jobs').set(auth).send({
      job_type_id: 'echo', target_channel: { org_id: orgId, platform: 'slack', code: 'C0STREAM' }, ...extra,
    });
    expect(res.status).toBe(201);
    return res.body.data as { job_id: string; tasks: Array<{ task_id: string }> };
  };
  const webhookChannel = () => ({ org_id: org, platform: 'webhook', code: 'stream-hook', data: { url: receiver.endpoint('ok').url } });
  /** The agent got the task and answered 202: returns its callback. */
  const accepted = (jobId: string) => eventually(async () => {
    const req = agent.forJob(jobId)[0];
    return req?.answered?.status === 202 && req.body!.callback;
  });
  const complete = async (jobId: string, taskId: string, result: unknown) => {
    const callback = await accepted(jobId);
    const res = await t.http().post(`/services/agent-jobs/${jobId}/tasks/${taskId}/result`)
      .set('Authorization', `Bearer ${callback.token}`).send({ status: 'completed', result });
    expect(res.status).toBe(200);
  };
  /** Each message is the event as GET /events has it, `id:` its id and `event:` its kind. */
  const expectWellFormed = (client: SseClient) => {
    for (const m of client.messages) {
      const e = JSON.parse(m.data) as JobEvent;
      expect(m.id).toBe(String(e.id));
      expect(m.event).toBe(e.kind);
    }
  };

  beforeAll(async () => {
    [agent, receiver] = await Promise.all([startAgentServer(), startWebhookReceiver()]);
    t = await startTestApp({
      env: { DELIVERY_BACKOFF_BASE_MS: '100', STREAM_PING_INTERVAL_MS: '200', STREAM_MAX_BUFFER_BYTES: String(MAX_BUFFER_BYTES) },
    });
    org = newOrg('stream');
    write = bearer(await t.token(org, { SERVICES: 'WRITE' }));
    read = await t.token(org, { SERVICES: 'READ' });
    await createEchoJobType(t, write);
    manualType = (await createHttpJobType(t, agent, write, { id: 'manual', behaviour: 'accept' })).id;
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([agent?.close(), receiver?.close()]);
  });

  it('follows a job from creation to COMPLETED and its webhook delivery, then ends', async () => {
    const job = await create({ job_type_id: manualType, target_channel: webhookChannel() });
    const client = await stream(job.job_id);
    expect(client.status).toBe(200);
    expect(client.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(client.headers.get('cache-control')).toMatch(/no-cache/);
    // The job waits on the agent: RUNNING reaches the open stream (live or replayed), the rest is live.
    await client.waitFor((c) => c.events.some((e) => e.to === 'RUNNING'));
    expect(client.isDone).toBe(false);
    await complete(job.job_id, job.tasks[0].task_id, { answer: 42 });
    expect(await client.ended).toBe('ended');

    const events = client.events;
    expect(events).toEqual(await storedEvents(job.job_id));
    expectWellFormed(client);
    expect(events.map((e) => [e.kind, e.from, e.to])).toEqual([
      ['transition', null, 'WAITING'], ['transition', 'WAITING', 'RUNNING'], ['transition', 'RUNNING', 'COMPLETED'],
      ['delivery', 'COMPLETED', 'COMPLETED'],
    ]);
    expect(events.filter((e) => e.kind === 'transition' && TERMINAL.includes(e.to))).toHaveLength(1);
    expect((await t.http().get(`/services/agent-jobs/${job.job_id}`).set(write)).body.data.delivery.status).toBe('DELIVERED');
  });

  it('a job that is over replays everything and ends; ?after= and Last-Event-ID resume after that id', async () => {
    const job = await create({ target_channel: webhookChannel() });
    await eventually(async () => (await t.http().get(`/services/agent-jobs/${job.job_id}`).set(write)).body.data.delivery?.status === 'DELIVERED');
    const all = await storedEvents(job.job_id);
    expect(all.map((e) => e.kind)).toEqual(['transition', 'transition', 'transition', 'delivery']);

    const full = await stream(job.job_id);
    expect(await full.ended).toBe('ended');
    expect(full.events).toEqual(all);

    const byQuery = await stream(job.job_id, read, undefined, `?after=${all[1].id}`);
    const byHeader = await stream(job.job_id, read, all[1].id);
    // Both given: the header (what EventSource sends on reconnecting) wins over the URL's ?after=.
    const both = await stream(job.job_id, read, all[2].id, `?after=${all[0].id}`);
    const pastTheEnd = await stream(job.job_id, read, all[3].id);
    await Promise.all([byQuery.ended, byHeader.ended, both.ended, pastTheEnd.ended]);
    expect(byQuery.events).toEqual(all.slice(2));
    expect(byHeader.events).toEqual(all.slice(2));
    expect(both.events).toEqual(all.slice(3));
    expect(pastTheEnd.messages).toEqual([]);
  });

  it('a client that disconnects mid-job and reconnects with Last-Event-ID loses nothing and gets nothing twice', async () => {
    const job = await create({ job_type_id: manualType, target_channel: webhookChannel() });
    const first = await stream(job.job_id);
    await first.waitFor((c) => c.events.some((e) => e.to === 'RUNNING'));
    await first.close();
    await complete(job.job_id, job.tasks[0].task_id, { part: 2 });
    const second = await stream(job.job_id, read, first.lastEventId);
    expect(await second.ended).toBe('ended');
    const ids = [...first.ids, ...second.ids];
    expect(ids).toEqual((await storedEvents(job.job_id)).map((e) => e.id));
    expect(second.events.map((e) => e.to)).toEqual(['COMPLETED', 'COMPLETED']);
  });

  it('a canceled job\'s stream ends after its CANCELED transition (no delivery is due)', async () => {
    const job = await create({ scheduled_at: inAnHour() });
    const client = await stream(job.job_id);
    await client.waitForCount(1);
    expect((await t.http().delete(`/services/agent-jobs/${job.job_id}`).set(write).send({ reason: 'stop' })).status).toBe(200);
    expect(await client.ended).toBe('ended');
    expect(client.events.map((e) => [e.from, e.to, e.reason])).toEqual([[null, 'SCHEDULED', null], ['SCHEDULED', 'CANCELED', 'stop']]);
  });

  it('a FAILED job\'s stream ends after its FAILED transition: nothing was to be delivered', async () => {
    const job = await create({ job_type_id: manualType, target_channel: webhookChannel(), config: { max_task_retries: 0 } });
    const client = await stream(job.job_id);
    const callback = await accepted(job.job_id);
    const res = await t.http().post(`/services/agent-jobs/${job.job_id}/tasks/${job.tasks[0].task_id}/result`)
      .set('Authorization', `Bearer ${callback.token}`).send({ status: 'failed', error: { code: 'NOPE', message: 'no answer' } });
    expect(res.status).toBe(200);
    expect(await client.ended).toBe('ended');
    expect(client.events.map((e) => [e.kind, e.to])).toEqual([['transition', 'WAITING'], ['transition', 'RUNNING'], ['transition', 'FAILED']]);
    expect(client.events).toEqual(await storedEvents(job.job_id));
  });

  it('sends a `: ping` comment every STREAM_PING_INTERVAL_MS while nothing happens', async () => {
    const job = await create({ scheduled_at: inAnHour() });
    const client = await stream(job.job_id);
    await client.waitFor((c) => c.comments.filter((x) => x === 'ping').length >= 3);
    expect(client.messages).toHaveLength(1);
    await client.close();
  });

  it('events written without a ping (straight into Postgres) still arrive, from the fallback poll', async () => {
    const job = await create({ scheduled_at: inAnHour() });
    const client = await stream(job.job_id);
    await client.waitForCount(1);
    const { rows } = await t.db.query(
      `INSERT INTO job_events (job_id, org_id, from_status, to_status, actor, reason, dispatched)
       VALUES ($1, $2, 'SCHEDULED', 'SCHEDULED', 'system', 'written by hand', true) RETURNING id`, [job.job_id, org]);
    await client.waitForCount(2);
    expect(client.events[1]).toEqual(expect.objectContaining({ id: Number(rows[0].id), reason: 'written by hand' }));
    await client.close();
  });

  it('refuses before any byte of stream: no token 401, another org\'s job 403, unknown job 404, bad positions 400', async () => {
    const { org: other, auth: otherWrite } = await echoTenant(t, 'stream-other');
    const theirs = await create({ scheduled_at: inAnHour(), target_channel: { org_id: other, platform: 'slack', code: 'C0OTHER' } }, otherWrite, other);
    const mine = await create({ scheduled_at: inAnHour() });
    const refusals: Array<[SseClient, number, string]> = [
      [await stream(mine.job_id, null), 401, 'UNAUTHORIZED'],
      [await stream(theirs.job_id), 403, 'FORBIDDEN'],
      [await stream('job_does_not_exist'), 404, 'JOB_NOT_FOUND'],
      [await stream(mine.job_id, read, 'abc'), 400, 'VALIDATION_ERROR'],
      [await stream(mine.job_id, read, undefined, '?after=-1'), 400, 'VALIDATION_ERROR'],
      [await stream(mine.job_id, read, undefined, '?bogus=1'), 400, 'VALIDATION_ERROR'],
    ];
    for (const [client, status, code] of refusals) {
      expect({ status: client.status, type: client.headers.get('content-type') }).toEqual({ status, type: expect.stringMatching(/^application\/problem\+json/) });
      expect(client.body).toEqual(expect.objectContaining({ status, code }));
      expect(client.messages).toEqual([]);
    }
  });

  it('a revoked token\'s stream is closed (re-checked every half TOKEN_CACHE_TTL_MS)', async () => {
    const admin = bearer(await t.token(org, { SERVICES: 'ADMIN' }));
    const token = await t.token(org, { SERVICES: 'READ' });
    const job = await create({ scheduled_at: inAnHour() });
    const client = await stream(job.job_id, token);
    await client.waitForCount(1);
    const keeps = await stream(job.job_id);
    await keeps.waitForCount(1);
    expect((await t.http().delete(`/services/tokens/${tokenId(token)}`).set(admin)).status).toBe(200);
    expect(await client.ended).toBe('ended');
    expect(keeps.isDone).toBe(false);
    await keeps.close();
  });

  it('a token that expires ends its stream too', async () => {
    const token = await t.token(org, { SERVICES: 'READ' }, { expiresInSeconds: 2 });
    const job = await create({ scheduled_at: inAnHour() });
    const client = await stream(job.job_id, token);
    await client.waitForCount(1);
    expect(await client.ended).toBe('ended');
  });

  it('a client that stops reading is dropped once STREAM_MAX_BUFFER_BYTES queue up, and resumes from its last id', async () => {
    const job = await create({ scheduled_at: inAnHour() });
    const client = await stream(job.job_id);
    await client.waitForCount(1);
    const open = t.app.get(OpenStreams);
    const before = open.size;
    client.pause();
    // ~8 MB of events: more than the kernel's socket buffers take, so the server's own queue grows.
    await t.db.query(
      `INSERT INTO job_events (job_id, org_id, from_status, to_status, actor, reason, dispatched)
       SELECT $1, $2, 'SCHEDULED', 'SCHEDULED', 'system', 'note ' || g || ' ' || repeat('x', 600), true FROM generate_series(1, 10000) g`,
      [job.job_id, org]);
    await eventually(async () => open.size < before, 60_000);
    client.resume();
    expect(await client.ended).toBe('dropped');
    const all = (await t.db.query(`SELECT id FROM job_events WHERE job_id = $1 ORDER BY id`, [job.job_id])).rows.map((r) => Number(r.id));
    expect(client.ids.length).toBeLessThan(all.length);
    expect(client.ids).toEqual(all.slice(0, client.ids.length));

    const resumed = await stream(job.job_id, read, client.lastEventId);
    await resumed.waitForCount(all.length - client.ids.length, 30_000);
    expect([...client.ids, ...resumed.ids]).toEqual(all);
    await resumed.close();
  }, 90_000); // ~2 s alone; 8 MB through a socket takes far longer on a loaded 2-core machine
});
