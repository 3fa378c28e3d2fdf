import request from 'supertest';
import { createHttpJobType } from '../support/agent-server';
import { ApiProcess, startApiProcess } from '../support/processes';
import { SessionAgent, startSessionAgent } from '../support/session-agent';
import { bearer, eventually, newOrg, startTestApp, TestApp, tokenId } from '../support/test-app';

/**
 * Two real API processes on one database and queue prefix: this test's app (it also runs the
 * worker: reconciler, sweeper) and a child `node dist/apps/api/main.js`. Turns run in the
 * process that took the chat request; the agent holds its answer until the test releases it.
 */
describe('sessions across API processes', () => {
  let t: TestApp;
  let other: ApiProcess;
  let agent: SessionAgent;
  let auth: Record<string, string>;
  let token: string;
  const LEASE_MS = 1500;

  beforeAll(async () => {
    [t, agent] = await Promise.all([startTestApp({ env: { SESSION_TURN_LEASE_MS: String(LEASE_MS) } }), startSessionAgent()]);
    other = await startApiProcess({ ...t.env, SESSION_TURN_LEASE_MS: String(LEASE_MS) });
    token = await t.token(newOrg('procs'), { SERVICES: 'WRITE' });
    auth = bearer(token);
    await createHttpJobType(t, agent, auth, { id: 'holder', behaviour: 'hold' });
  }, 90_000);
  afterAll(async () => {
    await other?.kill();
    await agent?.close();
    await t?.close();
  });

  const here = () => t.http();
  const there = () => request(other.url);
  /** Sent at once (a supertest request only goes out once awaited). */
  const chat = (via: () => ReturnType<typeof request>, body: Record<string, unknown>): Promise<request.Response> =>
    via().post('/services/sessions/chat').set(auth).send(body).then((res) => res);

  /** A session with one finished turn (idle), through this app. */
  async function idleSession(): Promise<string> {
    const held = agent.heldCount;
    const first = chat(here, { agent_type: 'holder', message: 'first' });
    await eventually(async () => agent.heldCount > held);
    agent.release();
    const res = await first;
    expect(res.body.data.status).toBe('complete');
    return res.body.data.session_id;
  }

  it('two concurrent turns through two processes: exactly one runs, the others get 409 SESSION_BUSY with its active_turn_id', async () => {
    const sessionId = await idleSession();
    const before = agent.turnCalls().length;
    const settled: request.Response[] = [];
    const racing = [here, there, here, there, here, there].map((via, i) =>
      chat(via, { session_id: sessionId, message: `racer ${i}` }).then((res) => { settled.push(res); return res; }));
    // The losers answer at once; the winner waits on the agent until it is released.
    await eventually(async () => settled.length === racing.length - 1 && agent.heldCount === 1, 20_000);
    agent.release();
    const answers = await Promise.all(racing);

    const winners = answers.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    const winner = winners[0].body.data;
    expect(winner).toMatchObject({ session_id: sessionId, status: 'complete' });
    for (const loser of answers.filter((r) => r.status !== 200)) {
      expect(loser.status).toBe(409);
      expect(loser.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(loser.body).toMatchObject({ code: 'SESSION_BUSY', active_turn_id: winner.turn_id });
    }
    expect(agent.turnCalls().length - before).toBe(1);
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM session_turns WHERE session_id = $1`, [sessionId]);
    expect(rows[0].n).toBe(2);
  }, 60_000);

  it('a cancel through the other process aborts the agent call in flight; the waiting request answers canceled', async () => {
    const sessionId = await idleSession();
    const waiting = chat(here, { session_id: sessionId, message: 'take your time' });
    await eventually(async () => agent.heldCount === 1);
    const call = agent.turnCalls().at(-1)!;
    expect(call.call.message).toBe('take your time');

    const canceled = await there().post(`/services/sessions/${sessionId}/cancel`).set(auth).send({ reason: 'user left' });
    expect(canceled.status).toBe(200);
    const expected = { status: 'canceled', cancel_reason: 'user left', canceled_by: `token:${tokenId(token)}`, response: null };
    expect(canceled.body.data).toMatchObject({ ...expected, turn_id: call.call.turn_id });

    // The abort crossed to this process (the turn-abort topic): the agent saw its request go away.
    await eventually(async () => call.rec.aborted);
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(answer.body.data).toMatchObject({ ...expected, turn_id: call.call.turn_id, finished_at: expect.any(String) });
    agent.release();

    const stored = (await here().get(`/services/sessions/${sessionId}/turns`).set(auth)).body.data.at(-1);
    expect(stored).toMatchObject(expected);
    const session = (await here().get(`/services/sessions/${sessionId}`).set(auth)).body.data;
    expect(session).toMatchObject({ status: 'idle', active_turn_id: null });
    expect(session.messages.map((m: { content: string }) => m.content)).toEqual(['first', 'echo: first (0 messages before)', 'take your time']);
    const again = await there().post(`/services/sessions/${sessionId}/cancel`).set(auth).send({});
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('SESSION_NOT_BUSY');
  }, 60_000);

  it('a DELETE through the other process ends the session at once: the agent call is aborted, the waiting request answers canceled', async () => {
    const sessionId = await idleSession();
    const waiting = chat(here, { session_id: sessionId, message: 'still there?' });
    await eventually(async () => agent.heldCount === 1);
    const call = agent.turnCalls().at(-1)!;
    expect((await there().delete(`/services/sessions/${sessionId}`).set(auth)).status).toBe(200);
    await eventually(async () => call.rec.aborted);
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(answer.body.data).toMatchObject({
      turn_id: call.call.turn_id, status: 'canceled', cancel_reason: 'the session was deleted', canceled_by: `token:${tokenId(token)}`, expires_at: null,
    });
    agent.release();
    expect((await here().get(`/services/sessions/${sessionId}`).set(auth)).body.code).toBe('SESSION_NOT_FOUND');
  }, 60_000);

  it('a turn whose API process died is failed by the worker\'s reconciler (AGENT_UNAVAILABLE) and the session is usable again', async () => {
    const sessionId = await idleSession();
    const doomed = chat(there, { session_id: sessionId, message: 'are you there?' }).catch((err: Error) => err);
    await eventually(async () => agent.heldCount === 1);
    const turnId = agent.turnCalls().at(-1)!.call.turn_id;
    await other.kill();
    // The connection died with the process: no answer at all.
    expect(await doomed).toMatchObject({ message: expect.stringMatching(/socket hang up|ECONNRESET/) });

    const failed = await eventually(async () => {
      const turns = (await here().get(`/services/sessions/${sessionId}/turns`).set(auth)).body.data;
      const turn = turns.find((x: { turn_id: string }) => x.turn_id === turnId);
      return turn?.status === 'error' && turn;
    }, 20_000, 100);
    expect(failed).toMatchObject({ status: 'error', error: { code: 'AGENT_UNAVAILABLE' }, finished_at: expect.any(String) });
    expect((await here().get(`/services/sessions/${sessionId}`).set(auth)).body.data.status).toBe('idle');
    agent.release(); // the dead process's held answer goes nowhere

    const next = chat(here, { session_id: sessionId, message: 'back again' });
    await eventually(async () => agent.heldCount === 1);
    agent.release();
    expect((await next).body.data).toMatchObject({ status: 'complete', response: 'echo: back again (3 messages before)' });
  }, 60_000);

  it('an API process stopped with SIGTERM ends its running turns (AGENT_UNAVAILABLE) and answers them before it exits', async () => {
    const sessionId = await idleSession();
    const stopping = await startApiProcess({ ...t.env, SESSION_TURN_LEASE_MS: String(60_000) });
    try {
      const waiting = chat(() => request(stopping.url), { session_id: sessionId, message: 'goodbye?' });
      await eventually(async () => agent.heldCount === 1);
      const stopped = stopping.stop();
      const answer = await waiting;
      expect(answer.status).toBe(200);
      expect(answer.body.data).toMatchObject({ status: 'error', error: { code: 'AGENT_UNAVAILABLE', message: expect.stringMatching(/shut down/) } });
      await stopped;
      agent.release();
      // Long before its 60 s lease could lapse: the process stored the end itself.
      expect((await here().get(`/services/sessions/${sessionId}`).set(auth)).body.data.status).toBe('idle');
    } finally {
      await stopping.kill();
    }
  }, 60_000);
});
