import { createHttpJobType } from '../support/agent-server';
import { expectProblem } from '../support/problem';
import { Child, startWorkerProcess } from '../support/processes';
import { SessionAgent, startSessionAgent } from '../support/session-agent';
import { bearer, eventually, newOrg, startTestApp, TestApp } from '../support/test-app';

/** One TTL "hour" lasts this long here (SESSION_TTL_UNIT_MS, the testing knob); expires_at only moves through the API. */
const HOUR_MS = 1000;
const ms = (iso: string) => new Date(iso).getTime();

describe('sessions: TTL, expiry and the sweeper', () => {
  let t: TestApp;
  let agent: SessionAgent;
  let worker: Child | undefined;
  let auth: Record<string, string> = {};
  // No worker in this app: expired sessions stay until the test starts one (the sweeper runs in workers).
  beforeAll(async () => {
    [t, agent] = await Promise.all([startTestApp({ withWorker: false, env: { SESSION_TTL_UNIT_MS: String(HOUR_MS) } }), startSessionAgent()]);
  });
  // Each test in an org of its own, with a 'talker' agent.
  beforeEach(async () => {
    auth = bearer(await t.token(newOrg('ttl'), { SERVICES: 'WRITE' }));
    await createHttpJobType(t, agent, auth, { id: 'talker', behaviour: 'turn' });
  });
  afterAll(async () => {
    await worker?.stop();
    await agent?.close();
    await t?.close();
  });
  const chat = (body: Record<string, unknown>) => t.http().post('/services/sessions/chat').set(auth).send(body);
  const session = (id: string) => t.http().get(`/services/sessions/${id}`).set(auth);

  it('expires_at = the end of the last turn + ttl_hours, sliding with each turn; ttl_hours set by a turn or PATCH', async () => {
    const first = (await chat({ agent_type: 'talker', message: 'one', ttl_hours: 30 })).body.data;
    expect(ms(first.expires_at) - ms(first.finished_at)).toBe(30 * HOUR_MS);
    const second = (await chat({ session_id: first.session_id, message: 'two' })).body.data;
    expect(ms(second.expires_at) - ms(second.finished_at)).toBe(30 * HOUR_MS);
    expect(ms(second.expires_at)).toBeGreaterThan(ms(first.expires_at));
    const third = (await chat({ session_id: first.session_id, message: 'three', ttl_hours: 720 })).body.data;
    expect(ms(third.expires_at) - ms(third.finished_at)).toBe(720 * HOUR_MS);
    expect((await session(first.session_id)).body.data).toMatchObject({ ttl_hours: 720, expires_at: third.expires_at });

    const patched = await t.http().patch(`/services/sessions/${first.session_id}`).set(auth).send({ ttl_hours: 2 });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({ session_id: first.session_id, ttl_hours: 2 });
    expect(ms(patched.body.data.expires_at) - ms(patched.body.data.updated_at)).toBe(2 * HOUR_MS);
    expect((await session(first.session_id)).body.data.expires_at).toBe(patched.body.data.expires_at);
  });

  it('an expired session answers 404 SESSION_EXPIRED everywhere, is never sent to an agent again, and the sweeper deletes it', async () => {
    const expiring = (await chat({ agent_type: 'talker', message: 'soon gone', ttl_hours: 1 })).body.data.session_id;
    const kept = (await chat({ agent_type: 'talker', message: 'staying', ttl_hours: 720 })).body.data.session_id;
    await eventually(async () => (await session(expiring)).status === 404, 15_000, 100);
    const callsBefore = agent.turnCalls().length;

    const everywhere = [
      ['GET session', await session(expiring)],
      ['GET turns', await t.http().get(`/services/sessions/${expiring}/turns`).set(auth)],
      ['PATCH', await t.http().patch(`/services/sessions/${expiring}`).set(auth).send({ ttl_hours: 5 })],
      ['cancel', await t.http().post(`/services/sessions/${expiring}/cancel`).set(auth).send({})],
      ['DELETE', await t.http().delete(`/services/sessions/${expiring}`).set(auth)],
      ['chat', await chat({ session_id: expiring, message: 'hello again?' })],
      ['chat stream', await chat({ session_id: expiring, message: 'hello again?' }).set('Accept', 'text/event-stream')],
    ] as const;
    for (const [route, res] of everywhere) {
      expect({ route, status: res.status, code: res.body.code }).toEqual({ route, status: 404, code: 'SESSION_EXPIRED' });
      expectProblem(res, 404, 'SESSION_EXPIRED');
    }
    expect(agent.turnCalls().length).toBe(callsBefore);
    const listed = (await t.http().get('/services/sessions').set(auth)).body;
    expect(listed.data.map((s: { session_id: string }) => s.session_id)).toEqual([kept]);
    expect(listed.meta.total).toBe(1);

    // Still stored until a worker sweeps: start one.
    const count = async (table: string) => (await t.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE session_id = $1`, [expiring])).rows[0].n;
    expect(await count('session_messages')).toBe(2);
    worker = startWorkerProcess({ ...t.env, SESSION_SWEEP_INTERVAL_MS: '200' });
    await eventually(async () => (await t.db.query(`SELECT 1 FROM sessions WHERE id = $1`, [expiring])).rowCount === 0, 60_000, 200);
    expect([await count('session_turns'), await count('session_messages')]).toEqual([0, 0]);
    expectProblem(await session(expiring), 404, 'SESSION_NOT_FOUND');
    expect((await session(kept)).status).toBe(200);
  }, 90_000);
});
