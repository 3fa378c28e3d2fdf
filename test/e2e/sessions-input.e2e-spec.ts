import { expectNoLeak, expectProblem, fieldsOf } from '../support/problem';
import { bearer, newOrg, startTestApp, TestApp } from '../support/test-app';

/** Bad input on every session route (400/404, never a 500), and tenant isolation of each of them. */
describe('sessions: bad input and tenant isolation', () => {
  let t: TestApp;
  let a: Record<string, string>;
  let aRead: Record<string, string>;
  let b: Record<string, string>;
  let sessionA: string;
  beforeAll(async () => {
    t = await startTestApp({ withWorker: false });
    const orgA = newOrg('in-a');
    a = bearer(await t.token(orgA, { SERVICES: 'WRITE' }));
    aRead = bearer(await t.token(orgA, { SERVICES: 'READ' }));
    b = bearer(await t.token(newOrg('in-b'), { SERVICES: 'WRITE' }));
    for (const auth of [a, b]) {
      expect((await t.http().post('/services/job-types').set(auth).send({ id: 'echo', name: 'echo', executor: { type: 'builtin', name: 'echo' } })).status).toBe(201);
    }
    await t.http().post('/services/job-types').set(a).send({ id: 'only-a', name: 'x', executor: { type: 'builtin', name: 'echo' } });
    sessionA = (await t.http().post('/services/sessions/chat').set(a).send({ agent_type: 'echo', message: 'mine' })).body.data.session_id;
  });
  afterAll(() => t?.close());

  const chat = (auth: Record<string, string>, body: unknown) => t.http().post('/services/sessions/chat').set(auth).send(body as object);

  it('validates every field of the chat body, listing each bad one (400)', async () => {
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{}, ['message']],
      [{ agent_type: 'echo' }, ['message']],
      [{ agent_type: 'echo', message: '' }, ['message']],
      [{ agent_type: 'echo', message: 42 }, ['message']],
      [{ agent_type: 'echo', message: 'x'.repeat(100_001) }, ['message']],
      [{ message: 'hi' }, ['agent_type']],
      [{ agent_type: 7, message: 'hi' }, ['agent_type']],
      [{ agent_type: 'x'.repeat(101), message: 'hi' }, ['agent_type']],
      [{ session_id: 12, message: 'hi' }, ['session_id']],
      [{ agent_type: 'echo', message: 'hi', context: [1] }, ['context']],
      [{ agent_type: 'echo', message: 'hi', context: 'text' }, ['context']],
      [{ agent_type: 'echo', message: 'hi', max_iterations: 0 }, ['max_iterations']],
      [{ agent_type: 'echo', message: 'hi', max_iterations: 21 }, ['max_iterations']],
      [{ agent_type: 'echo', message: 'hi', max_iterations: 1.5 }, ['max_iterations']],
      [{ agent_type: 'echo', message: 'hi', max_iterations: '5' }, ['max_iterations']],
      [{ agent_type: 'echo', message: 'hi', ttl_hours: 0 }, ['ttl_hours']],
      [{ agent_type: 'echo', message: 'hi', ttl_hours: 721 }, ['ttl_hours']],
      [{ agent_type: 'echo', message: 'hi', ttl_hours: null }, ['ttl_hours']],
      [{ agent_type: null, message: 'hi' }, ['agent_type']],
      [{ session_id: null, message: 'hi' }, ['session_id']],
      [{ agent_type: 'echo', message: 'hi', context: null }, ['context']],
      [{ agent_type: 'echo', message: 'hi', stream: true }, ['stream']],
      [{ agent_type: 9, message: '', max_iterations: 99, ttl_hours: -1, context: 3 }, ['agent_type', 'context', 'max_iterations', 'message', 'ttl_hours']],
    ];
    for (const [body, fields] of cases) {
      const res = await chat(a, body);
      expectProblem(res, 400, 'VALIDATION_ERROR');
      expect({ body: JSON.stringify(body).slice(0, 80), fields: [...new Set(fieldsOf(res))].sort() }).toEqual({ body: JSON.stringify(body).slice(0, 80), fields });
    }
    const malformed = await t.http().post('/services/sessions/chat').set(a).set('Content-Type', 'application/json').send('{"message": ');
    expectProblem(malformed, 400, 'MALFORMED_JSON');
    // 100,000 characters is the limit, counted as characters (an emoji is one).
    expect((await chat(a, { agent_type: 'echo', message: 'x'.repeat(100_000) })).status).toBe(200);
    expect((await chat(a, { agent_type: 'echo', message: '😀'.repeat(100_000) })).status).toBe(200);
    expect((await chat(a, { agent_type: 'echo', message: '😀'.repeat(100_001) })).status).toBe(400);
  });

  it('unknown agent types are 404 JOB_TYPE_NOT_FOUND, another org\'s included; a continue must keep the agent (409)', async () => {
    expectProblem(await chat(a, { agent_type: 'nope', message: 'hi' }), 404, 'JOB_TYPE_NOT_FOUND');
    expectProblem(await chat(b, { agent_type: 'only-a', message: 'hi' }), 404, 'JOB_TYPE_NOT_FOUND');
    expectProblem(await chat(a, { session_id: sessionA, agent_type: 'only-a', message: 'hi' }), 409, 'SESSION_AGENT_MISMATCH');
    expect((await chat(a, { session_id: sessionA, agent_type: 'echo', message: 'same agent' })).status).toBe(200);
  });

  it('session ids of any shape are 404 SESSION_NOT_FOUND on every route, never a 500', async () => {
    const ids = ['x', 'ses_', 'ses_01m8ts17wdbpy9qtj88r5qg69u', 'ses_01M8TS17WDBPY9QTJ88R5QG697', 'ses_01m8ts17wdbpy9qtj88r5qg697', 'job_01m8ts17wdbpy9qtj88r5qg697',
      "ses_'; DROP TABLE sessions; --", 'ünï¢ødé', 'x'.repeat(5000), '..%2F..%2Fetc'];
    for (const id of ids) {
      const path = `/services/sessions/${encodeURIComponent(id)}`;
      const answers = [
        await t.http().get(path).set(a),
        await t.http().get(`${path}/turns`).set(a),
        await t.http().patch(path).set(a).send({ ttl_hours: 3 }),
        await t.http().post(`${path}/cancel`).set(a).send({}),
        await t.http().delete(path).set(a),
        await chat(a, { session_id: id, message: 'hi' }),
      ];
      for (const res of answers) expectProblem(res, 404, 'SESSION_NOT_FOUND');
    }
    expectNoLeak(await t.http().get('/services/sessions/%00').set(a));
  });

  it('refuses bad query parameters and bodies of the other routes (400)', async () => {
    for (const q of ['status=running', 'sort=expires_at:desc', 'sort=created_at:up', 'limit=0', 'limit=101', 'offset=-1', 'cursor=garbage', 'agent=echo']) {
      expectProblem(await t.http().get(`/services/sessions?${q}`).set(a), 400, 'VALIDATION_ERROR');
    }
    expectProblem(await t.http().get(`/services/sessions/${sessionA}/turns?limit=500`).set(a), 400, 'VALIDATION_ERROR');
    expectProblem(await t.http().get(`/services/sessions/${sessionA}?include=all`).set(a), 400, 'VALIDATION_ERROR');
    for (const body of [{}, { ttl_hours: 0 }, { ttl_hours: 721 }, { ttl_hours: '5' }, { ttl_hours: 5, expires_at: 'now' }]) {
      expectProblem(await t.http().patch(`/services/sessions/${sessionA}`).set(a).send(body), 400, 'VALIDATION_ERROR');
    }
    for (const body of [{ reason: 5 }, { reason: 'x'.repeat(2001) }, { why: 'x' }]) {
      expectProblem(await t.http().post(`/services/sessions/${sessionA}/cancel`).set(a).send(body), 400, 'VALIDATION_ERROR');
    }
  });

  it('another org\'s session is 403 on every route and stays untouched; lists never show it', async () => {
    const before = (await t.http().get(`/services/sessions/${sessionA}`).set(a)).body.data;
    const answers = [
      await t.http().get(`/services/sessions/${sessionA}`).set(b),
      await t.http().get(`/services/sessions/${sessionA}/turns`).set(b),
      await t.http().patch(`/services/sessions/${sessionA}`).set(b).send({ ttl_hours: 1 }),
      await t.http().post(`/services/sessions/${sessionA}/cancel`).set(b).send({ reason: 'mine now' }),
      await t.http().delete(`/services/sessions/${sessionA}`).set(b),
      await chat(b, { session_id: sessionA, message: 'let me in' }),
      await chat(b, { session_id: sessionA, agent_type: 'echo', message: 'let me in' }),
    ];
    for (const res of answers) expectProblem(res, 403, 'FORBIDDEN');
    expect((await t.http().get(`/services/sessions/${sessionA}`).set(a)).body.data).toEqual(before);
    const listB = await t.http().get('/services/sessions').set(b);
    expect(listB.body.data).toEqual([]);
    expect(listB.body.meta.total).toBe(0);
  });

  it('READ may only read; no token is 401', async () => {
    expect((await t.http().get(`/services/sessions/${sessionA}`).set(aRead)).status).toBe(200);
    expect((await t.http().get('/services/sessions').set(aRead)).status).toBe(200);
    expect((await t.http().get(`/services/sessions/${sessionA}/turns`).set(aRead)).status).toBe(200);
    const writes = [
      await chat(aRead, { agent_type: 'echo', message: 'hi' }),
      await chat(aRead, { session_id: sessionA, message: 'hi' }),
      await t.http().patch(`/services/sessions/${sessionA}`).set(aRead).send({ ttl_hours: 1 }),
      await t.http().post(`/services/sessions/${sessionA}/cancel`).set(aRead).send({}),
      await t.http().delete(`/services/sessions/${sessionA}`).set(aRead),
    ];
    for (const res of writes) expectProblem(res, 403, 'INSUFFICIENT_ACCESS');
    expectProblem(await t.http().get('/services/sessions'), 401, 'UNAUTHORIZED');
    expectProblem(await chat({}, { agent_type: 'echo', message: 'hi' }), 401, 'UNAUTHORIZED');
  });

  it('DELETE ends the session at once with its history (the job cancel\'s answer shape)', async () => {
    const id = (await chat(a, { agent_type: 'echo', message: 'short' })).body.data.session_id;
    const res = await t.http().delete(`/services/sessions/${id}`).set(a);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ meta: { org_id: expect.any(String), session_id: id }, message: `Session with ID '${id}' successfully deleted` });
    expectProblem(await t.http().get(`/services/sessions/${id}`).set(a), 404, 'SESSION_NOT_FOUND');
    const { rows } = await t.db.query(`SELECT (SELECT count(*) FROM session_turns WHERE session_id = $1)::int + (SELECT count(*) FROM session_messages WHERE session_id = $1)::int AS n`, [id]);
    expect(rows[0].n).toBe(0);
  });
});
