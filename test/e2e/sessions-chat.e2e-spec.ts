import { createHttpJobType } from '../support/agent-server';
import { SessionAgent, startSessionAgent } from '../support/session-agent';
import { bearer, newOrg, startTestApp, TestApp, tokenId } from '../support/test-app';

/** Chat turns against real agents: a local HTTP agent speaking the session-turn protocol, and the builtins. */
describe('sessions: chat', () => {
  let t: TestApp;
  let agent: SessionAgent;
  beforeAll(async () => {
    [t, agent] = await Promise.all([startTestApp({ withWorker: false }), startSessionAgent()]);
  });
  afterAll(async () => {
    await agent?.close();
    await t?.close();
  });

  async function org() {
    const id = newOrg('chat');
    const token = await t.token(id, { SERVICES: 'WRITE' });
    return { org: id, auth: bearer(token), tokenId: tokenId(token) };
  }
  const chat = (auth: Record<string, string>, body: Record<string, unknown>) => t.http().post('/services/sessions/chat').set(auth).send(body);

  it('starts a session and continues it: the agent gets the whole history, oldest first, signed; the answers are stored', async () => {
    const { org: orgId, auth } = await org();
    const jt = await createHttpJobType(t, agent, auth, { id: 'helper', behaviour: 'turn', query: { tools: 2, prompt: 7, completion: 5 }, default_config: { max_iterations: 4 } });

    const first = await chat(auth, { agent_type: 'helper', message: 'hello', context: { user: 'ada' } });
    expect(first.status).toBe(200);
    const turn1 = first.body.data;
    expect(first.body.meta).toEqual({ org_id: orgId, session_id: turn1.session_id });
    expect(turn1).toEqual({
      session_id: expect.stringMatching(/^ses_[0-9a-z]{26}$/), turn_id: expect.stringMatching(/^turn_[0-9a-z]{26}$/), agent_type: 'helper',
      status: 'complete', response: 'echo: hello (0 messages before)',
      tool_calls: [{ tool: 'tool-1', status: 'ok', duration_ms: 10, error_code: null }, { tool: 'tool-2', status: 'ok', duration_ms: 20, error_code: null }],
      iterations: 1, usage: { prompt: 7, completion: 5, total: 12 }, error: null,
      started_at: expect.any(String), finished_at: expect.any(String), expires_at: expect.any(String), cancel_reason: null, canceled_by: null,
    });
    const sessionId = turn1.session_id;

    const second = await chat(auth, { session_id: sessionId, message: 'how are you?' });
    expect(second.body.data).toMatchObject({ session_id: sessionId, status: 'complete', response: 'echo: how are you? (2 messages before)' });
    const third = await chat(auth, { session_id: sessionId, agent_type: 'helper', message: 'bye', max_iterations: 2 });
    expect(third.body.data.response).toBe('echo: bye (4 messages before)');

    const calls = agent.turnCalls(jt.path);
    expect(calls).toHaveLength(3);
    expect(calls.every(({ rec }) => rec.verified)).toBe(true);
    expect(calls.map(({ rec }) => rec.headers['webhook-id'])).toEqual([turn1.turn_id, second.body.data.turn_id, third.body.data.turn_id]);
    expect(calls[0].call).toEqual({
      kind: 'session_turn', session_id: sessionId, turn_id: turn1.turn_id, org_id: orgId, agent_type: 'helper', message: 'hello',
      context: { user: 'ada' }, max_iterations: 4, config: expect.objectContaining({ max_iterations: 4, max_follow_ups: 3 }), messages: [],
    });
    expect(calls[1].call).toMatchObject({ context: {}, max_iterations: 4 });
    expect(calls[2].call).toMatchObject({
      max_iterations: 2,
      messages: [
        { role: 'user', content: 'hello' },
        { role: 'assistant', content: 'echo: hello (0 messages before)' },
        { role: 'user', content: 'how are you?' },
        { role: 'assistant', content: 'echo: how are you? (2 messages before)' },
      ],
    });

    const session = await t.http().get(`/services/sessions/${sessionId}`).set(auth);
    expect(session.status).toBe(200);
    expect(session.body.data).toMatchObject({
      session_id: sessionId, org_id: orgId, agent_type: 'helper', status: 'idle', active_turn_id: null, ttl_hours: 24, turn_count: 3,
      usage: { prompt: 21, completion: 15, total: 36 }, expires_at: third.body.data.expires_at,
    });
    expect(session.body.data.messages.map((m: { role: string; content: string; turn_id: string }) => [m.role, m.content, m.turn_id])).toEqual([
      ['user', 'hello', turn1.turn_id], ['assistant', 'echo: hello (0 messages before)', turn1.turn_id],
      ['user', 'how are you?', second.body.data.turn_id], ['assistant', 'echo: how are you? (2 messages before)', second.body.data.turn_id],
      ['user', 'bye', third.body.data.turn_id], ['assistant', 'echo: bye (4 messages before)', third.body.data.turn_id],
    ]);

    const turns = await t.http().get(`/services/sessions/${sessionId}/turns`).set(auth);
    expect(turns.status).toBe(200);
    expect(turns.body.data.map((x: { turn_id: string }) => x.turn_id)).toEqual([turn1.turn_id, second.body.data.turn_id, third.body.data.turn_id]);
    expect(turns.body.data[0]).toEqual({ ...turn1, expires_at: third.body.data.expires_at });
    expect(turns.body.meta).toEqual({ org_id: orgId, session_id: sessionId, limit: 20, offset: 0, total: 3 });
    const paged = await t.http().get(`/services/sessions/${sessionId}/turns?limit=1&offset=2`).set(auth);
    expect(paged.body.data.map((x: { turn_id: string }) => x.turn_id)).toEqual([third.body.data.turn_id]);
  });

  it('builtins answer turns: echo answers the message, jobs-report a report on the org\'s jobs', async () => {
    const { org: orgId, auth } = await org();
    for (const [id, name] of [['echo', 'echo'], ['report', 'jobs-report']]) {
      expect((await t.http().post('/services/job-types').set(auth).send({ id, name: id, executor: { type: 'builtin', name } })).status).toBe(201);
    }
    const echo = await chat(auth, { agent_type: 'echo', message: 'ping ✓' });
    expect(echo.body.data).toMatchObject({ status: 'complete', response: 'ping ✓', iterations: 1, usage: { prompt: 0, completion: 0, total: 0 } });
    const report = await chat(auth, { agent_type: 'report', message: 'how did we do?', context: { window_hours: 48 } });
    expect(report.body.data.status).toBe('complete');
    expect(report.body.data.response).toContain(`*Jobs report for ${orgId}* — last 2 d`);
    const bad = await chat(auth, { session_id: report.body.data.session_id, message: 'again', context: { window_hours: 0 } });
    expect(bad.status).toBe(200);
    expect(bad.body.data).toMatchObject({ status: 'error', error: { code: 'INVALID_PARAMS' } });
  });

  it('an agent that fails gives a turn with status error (200) and the session stays usable', async () => {
    const { auth } = await org();
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['http-500', {}, 'AGENT_UNAVAILABLE'],
      ['sleep', { timeout_seconds: 1 }, 'AGENT_TIMEOUT'],
      ['bad-json', {}, 'AGENT_BAD_RESPONSE'],
      ['turn-off-protocol', {}, 'AGENT_BAD_RESPONSE'],
      ['turn-error', {}, 'AGENT_SAID_NO'],
    ];
    for (const [behaviour, extra, code] of cases) {
      await createHttpJobType(t, agent, auth, { id: `bad-${behaviour}`, behaviour, ...extra });
      const res = await chat(auth, { agent_type: `bad-${behaviour}`, message: 'hi' });
      expect({ behaviour, status: res.status, turn: res.body.data }).toMatchObject({
        behaviour, status: 200, turn: { status: 'error', response: null, error: { code, message: expect.any(String) }, finished_at: expect.any(String) },
      });
      const session = (await t.http().get(`/services/sessions/${res.body.data.session_id}`).set(auth)).body.data;
      // The user's message is kept; an error adds no assistant message.
      expect(session).toMatchObject({ status: 'idle', turn_count: 1, messages: [{ role: 'user', content: 'hi' }] });
      expect(session.messages).toHaveLength(1);
    }
    // A connection that is refused is AGENT_UNAVAILABLE too.
    const down = agent.endpoint('turn');
    await t.http().post('/services/job-types').set(auth).send({ id: 'gone', name: 'gone', executor: { type: 'http', url: down.url.replace(/:\d+\//, ':1/') } });
    expect((await chat(auth, { agent_type: 'gone', message: 'hi' })).body.data.error.code).toBe('AGENT_UNAVAILABLE');
  });

  it('max_iterations_reached keeps the partial answer as the assistant message', async () => {
    const { auth } = await org();
    await createHttpJobType(t, agent, auth, { id: 'looper', behaviour: 'turn-max' });
    const res = await chat(auth, { agent_type: 'looper', message: 'think hard', max_iterations: 3 });
    expect(res.body.data).toMatchObject({ status: 'max_iterations_reached', response: 'partial answer', iterations: 3, error: null });
    const session = (await t.http().get(`/services/sessions/${res.body.data.session_id}`).set(auth)).body.data;
    expect(session.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
  });

  it('a continued session whose job type was deleted records the turn as JOB_TYPE_NOT_FOUND', async () => {
    const { auth } = await org();
    await t.http().post('/services/job-types').set(auth).send({ id: 'short-lived', name: 'x', executor: { type: 'builtin', name: 'echo' } });
    const first = await chat(auth, { agent_type: 'short-lived', message: 'one' });
    expect((await t.http().delete('/services/job-types/short-lived').set(auth)).status).toBe(200);
    const next = await chat(auth, { session_id: first.body.data.session_id, message: 'two' });
    expect(next.status).toBe(200);
    expect(next.body.data).toMatchObject({ status: 'error', error: { code: 'JOB_TYPE_NOT_FOUND' } });
  });

  it('lists the org\'s live sessions with filters, sorts and signed cursors', async () => {
    const { org: orgId, auth } = await org();
    for (const id of ['a', 'b']) await t.http().post('/services/job-types').set(auth).send({ id, name: id, executor: { type: 'builtin', name: 'echo' } });
    const ids: string[] = [];
    for (const type of ['a', 'b', 'a']) ids.push((await chat(auth, { agent_type: type, message: 'hi' })).body.data.session_id);
    await chat(auth, { session_id: ids[0], message: 'again' }); // ids[0] is now the most recently updated

    const all = await t.http().get('/services/sessions').set(auth);
    expect(all.status).toBe(200);
    expect(all.body.data.map((s: { session_id: string }) => s.session_id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(all.body.data[0]).not.toHaveProperty('messages');
    expect(all.body.meta).toEqual({ org_id: orgId, limit: 20, offset: 0, total: 3, sort: [{ field: 'created_at', direction: 'desc' }], next_cursor: null });
    const byUpdate = await t.http().get('/services/sessions?sort=updated_at:desc').set(auth);
    expect(byUpdate.body.data[0].session_id).toBe(ids[0]);
    const typeA = await t.http().get('/services/sessions?agent_type=a&sort=created_at:asc').set(auth);
    expect(typeA.body.data.map((s: { session_id: string }) => s.session_id)).toEqual([ids[0], ids[2]]);
    expect((await t.http().get('/services/sessions?status=busy').set(auth)).body.meta.total).toBe(0);
    expect((await t.http().get('/services/sessions?status=idle').set(auth)).body.meta.total).toBe(3);

    const page1 = await t.http().get('/services/sessions?limit=2&sort=created_at:asc').set(auth);
    expect(page1.body.data.map((s: { session_id: string }) => s.session_id)).toEqual([ids[0], ids[1]]);
    const cursor = page1.body.meta.next_cursor;
    const page2 = await t.http().get(`/services/sessions?limit=2&sort=created_at:asc&cursor=${cursor}`).set(auth);
    expect(page2.body.data.map((s: { session_id: string }) => s.session_id)).toEqual([ids[2]]);
    expect(page2.body.meta).toMatchObject({ total: 3, next_cursor: null });
    const resorted = await t.http().get(`/services/sessions?limit=2&sort=created_at:desc&cursor=${cursor}`).set(auth);
    expect(resorted.status).toBe(400);
  });
});
