import { Client } from 'pg';
import type { Response } from 'supertest';
import { TaskTransitionsRepository } from '../../libs/jobs/src/task-transitions.repository';
import { createHttpJobType } from '../support/agent-server';
import { jobsApi } from '../support/jobs';
import { expectProblem } from '../support/problem';
import { SessionAgent, startSessionAgent } from '../support/session-agent';
import { eventually, startTestApp, TestApp } from '../support/test-app';

type Auth = Record<string, string>;
interface Message { role: string; content: string; turn_id: string | null; job_id: string | null }

/** One TTL "hour" lasts this long here (SESSION_TTL_UNIT_MS); live sessions get 720 of them. */
const HOUR_MS = 1000;

/**
 * Jobs inside a session (spec "Sessions"): session_id on create is checked (403, 404, 404
 * SESSION_EXPIRED, 409 SESSION_BUSY); each task gets the session's history as it is when the
 * task runs; a completed job's brief and result are appended to the session once, also when a
 * turn holds the session, and not at all when the session is gone.
 */
describe('jobs in a session', () => {
  let t: TestApp;
  let agent: SessionAgent;

  beforeAll(async () => {
    agent = await startSessionAgent();
    t = await startTestApp({ env: { SESSION_TTL_UNIT_MS: String(HOUR_MS) } });
  });
  afterAll(async () => {
    agent?.release();
    await t?.close();
    await agent?.close();
  });

  const { orgWithToken, createJob, getJob, waitForStatus } = jobsApi(() => t, { orgLabel: 'ses-jobs', channelCode: 'CSESJOBS' });
  const create = (auth: Auth, org: string, body: Record<string, unknown>) => t.http().post('/services/agent-jobs').set(auth)
    .send({ target_channel: { org_id: org, platform: 'webhook', code: 'w', data: { url: 'http://127.0.0.1:9/hook' } }, ...body });
  const chat = (auth: Auth, body: Record<string, unknown>): Promise<Response> => t.http().post('/services/sessions/chat').set(auth).send(body).then((r) => r);
  const session = async (auth: Auth, id: string) => (await t.http().get(`/services/sessions/${id}`).set(auth)).body.data;
  const messages = async (auth: Auth, id: string) => (await session(auth, id)).messages as Message[];
  const jobMessages = async (jobId: string) =>
    (await t.db.query(`SELECT role, content FROM session_messages WHERE job_id = $1 ORDER BY id`, [jobId])).rows;
  /** The n-th call (from 1) the agent got for a job. */
  const taskCall = async (jobId: string, n: number) => (await eventually(async () => agent.forJob(jobId).length >= n && agent.forJob(jobId)))[n - 1].body!;
  const callback = (call: { job_id: string; task_id: string; callback: { token: string } }, body: object) =>
    t.http().post(`/services/agent-jobs/${call.job_id}/tasks/${call.task_id}/result`).set('Authorization', `Bearer ${call.callback.token}`).send(body);

  /** A fresh org with a session of one finished turn ('hello' and its echo) on a held talker (each turn waits for release()). */
  async function orgWithSession(ttlHours = 720) {
    const o = await orgWithToken();
    await createHttpJobType(t, agent, o.auth, { id: 'talker', behaviour: 'hold' });
    const sessionId = (await heldTurn(o.auth, { agent_type: 'talker', message: 'hello', ttl_hours: ttlHours })).body.data.session_id as string;
    return { ...o, sessionId };
  }
  async function heldTurn(auth: Auth, body: Record<string, unknown>) {
    const held = agent.heldCount;
    const answer = chat(auth, body);
    await eventually(async () => agent.heldCount > held);
    agent.release();
    return answer;
  }

  it('session_id is checked on create: another org\'s 403, unknown 404, expired 404 SESSION_EXPIRED, busy 409 with active_turn_id', async () => {
    const a = await orgWithSession();
    const b = await orgWithToken();
    await createHttpJobType(t, agent, b.auth, { id: 'worker', behaviour: 'complete' });
    await createHttpJobType(t, agent, a.auth, { id: 'worker', behaviour: 'complete' });
    const job = (auth: Auth, org: string, sessionId: string) => create(auth, org, { job_type_id: 'worker', session_id: sessionId });

    expectProblem(await job(b.auth, b.org, a.sessionId), 403, 'FORBIDDEN');
    expectProblem(await job(a.auth, a.org, 'ses_01jz0000000000000000000000'), 404, 'SESSION_NOT_FOUND');
    expectProblem(await job(a.auth, a.org, 'not-a-session-id'), 404, 'SESSION_NOT_FOUND');
    expectProblem(await create(a.auth, a.org, { job_type_id: 'worker', session_id: 42 }), 400, 'VALIDATION_ERROR');

    const expiring = (await orgWithSession(1));
    await createHttpJobType(t, agent, expiring.auth, { id: 'worker', behaviour: 'complete' });
    await eventually(async () => (await t.http().get(`/services/sessions/${expiring.sessionId}`).set(expiring.auth)).status === 404, 15_000, 100);
    expectProblem(await job(expiring.auth, expiring.org, expiring.sessionId), 404, 'SESSION_EXPIRED');

    const running = chat(a.auth, { session_id: a.sessionId, message: 'a long one' });
    await eventually(async () => agent.heldCount > 0);
    const { active_turn_id: turnId } = await session(a.auth, a.sessionId);
    expect(turnId).toMatch(/^turn_/);
    const busy = await job(a.auth, a.org, a.sessionId);
    expectProblem(busy, 409, 'SESSION_BUSY');
    expect(busy.body.active_turn_id).toBe(turnId);
    agent.release();
    expect((await running).body.data.status).toBe('complete');
    expect((await job(a.auth, a.org, a.sessionId)).status).toBe(201);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM jobs WHERE org_id = $1`, [a.org])).rows[0].n).toBe(1);
  });

  it('a job in a session: each task gets the history as it is when it runs; on completion the brief and result join it once; the next job builds on them', async () => {
    const { org, auth, sessionId } = await orgWithSession();
    const jt = await createHttpJobType(t, agent, auth, {
      id: 'daily', behaviour: 'accept', default_config: { start_prompt: 'Write the daily report.', max_task_retries: 1, task_retry_interval: 0 },
    });
    const before = await session(auth, sessionId);
    const created = await createJob(auth, org, jt.id, { session_id: sessionId, params: { day: 1 } });
    expect(created).toMatchObject({ session_id: sessionId });

    // The first task gets the session's history; it fails (on the callback) after a turn happened meanwhile.
    const first = await taskCall(created.job_id, 1);
    const hello = [{ role: 'user', content: 'hello' }, { role: 'assistant', content: 'echo: hello (0 messages before)' }];
    expect(first).toMatchObject({ session_id: sessionId, messages: hello, kind: 'initial' });
    await heldTurn(auth, { session_id: sessionId, message: 'meanwhile' });
    expect((await callback(first, { status: 'failed', error: { code: 'FLAKY', message: 'again' } })).body.data.applied).toBe('retry');

    // The retry reads the history again: the turn taken meanwhile is in it.
    const retry = await taskCall(created.job_id, 2);
    const meanwhile = [...hello, { role: 'user', content: 'meanwhile' }, { role: 'assistant', content: 'echo: meanwhile (2 messages before)' }];
    expect(retry).toMatchObject({ kind: 'retry', session_id: sessionId, messages: meanwhile });
    expect((await callback(retry, { status: 'completed', result: { text: 'Day 1: all green.', items: 3 } })).body.data.applied).toBe('completed');
    // A report that comes again (an agent retrying its callback) is refused and appends nothing.
    expectProblem(await callback(retry, { status: 'completed', result: { text: 'again' } }), 409, 'TASK_NOT_RUNNING');

    const job = await getJob(auth, created.job_id);
    expect(job).toMatchObject({ job_status: 'COMPLETED', session_id: sessionId });
    const after = await session(auth, sessionId);
    expect(after.messages.slice(4)).toEqual([
      { role: 'user', content: 'Write the daily report.\n\nParams: {"day":1}', turn_id: null, job_id: created.job_id, at: expect.any(String) },
      { role: 'assistant', content: 'Day 1: all green.', turn_id: null, job_id: created.job_id, at: expect.any(String) },
    ]);
    expect(after.messages).toHaveLength(6);
    expect(after).toMatchObject({ status: 'idle', turn_count: 2 });
    // The append slides the expiry like a turn's end: now + ttl_hours.
    expect(Date.parse(after.expires_at)).toBeGreaterThan(Date.parse(before.expires_at));
    expect(Date.parse(after.expires_at) - Date.parse(after.updated_at)).toBe(720 * HOUR_MS);

    // The next day's job sees the first day's brief and result; so does the next turn.
    const next = await createJob(auth, org, jt.id, { session_id: sessionId, params: { day: 2 } });
    expect((await taskCall(next.job_id, 1)).messages.slice(4)).toEqual([
      { role: 'user', content: 'Write the daily report.\n\nParams: {"day":1}' }, { role: 'assistant', content: 'Day 1: all green.' },
    ]);
    expect((await heldTurn(auth, { session_id: sessionId, message: 'and?' })).body.data.response).toBe('echo: and? (6 messages before)');
  });

  it('a job that completes while a turn holds the session: its messages are appended, the turn keeps the session and answers after them', async () => {
    const { org, auth, sessionId } = await orgWithSession();
    const jt = await createHttpJobType(t, agent, auth, { id: 'background', behaviour: 'accept' });
    const created = await createJob(auth, org, jt.id, { session_id: sessionId });
    const call = await taskCall(created.job_id, 1);

    const turn = chat(auth, { session_id: sessionId, message: 'while it runs' });
    await eventually(async () => agent.heldCount > 0);
    const { active_turn_id: turnId } = await session(auth, sessionId);
    expect((await callback(call, { status: 'completed', result: 'background done' })).body.data.applied).toBe('completed');
    expect(await session(auth, sessionId)).toMatchObject({ status: 'busy', active_turn_id: turnId });
    expect(await jobMessages(created.job_id)).toEqual([{ role: 'user', content: 'Params: {}' }, { role: 'assistant', content: 'background done' }]);

    agent.release();
    expect((await turn).body.data).toMatchObject({ status: 'complete', turn_id: turnId });
    expect((await messages(auth, sessionId)).map((m) => [m.role, m.content, m.turn_id ?? m.job_id])).toEqual([
      ['user', 'hello', expect.any(String)], ['assistant', 'echo: hello (0 messages before)', expect.any(String)],
      ['user', 'while it runs', turnId],
      ['user', 'Params: {}', created.job_id], ['assistant', 'background done', created.job_id],
      ['assistant', 'echo: while it runs (2 messages before)', turnId],
    ]);
  });

  it('a turn that waited for the session while a job appended to it gets those messages in its history', async () => {
    const { org, auth, sessionId } = await orgWithSession();
    // What a job's completion does (appendJobMessagesSql): update the session row (its expiry), append, commit later.
    const appender = new Client({ connectionString: t.env.DATABASE_URL });
    await appender.connect();
    try {
      await appender.query('BEGIN');
      await appender.query(`UPDATE sessions SET updated_at = now() WHERE id = $1`, [sessionId]);
      await appender.query(`INSERT INTO session_messages (session_id, org_id, role, content) VALUES ($1, $2, 'user', 'late brief'), ($1, $2, 'assistant', 'late answer')`, [sessionId, org]);
      const turn = heldTurn(auth, { session_id: sessionId, message: 'after the job' });
      await eventually(async () => (await t.db.query(
        `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%UPDATE sessions SET active_turn_id%'`)).rowCount === 1);
      await appender.query('COMMIT');
      expect((await turn).body.data).toMatchObject({ status: 'complete', response: 'echo: after the job (4 messages before)' });
      const sent = agent.turnCalls().map((c) => c.call).filter((c) => c.session_id === sessionId).pop()!;
      expect(sent.messages.map((m) => m.content)).toEqual(['hello', 'echo: hello (0 messages before)', 'late brief', 'late answer']);
    } finally {
      await appender.end();
    }
  });

  it('two finishes of one claim at once (a task delivered twice): one applies, the session gets the messages once', async () => {
    const { org, auth, sessionId } = await orgWithSession();
    await createHttpJobType(t, agent, auth, { id: 'twice', behaviour: 'accept' });
    const created = await createJob(auth, org, 'twice', { session_id: sessionId });
    const call = await taskCall(created.job_id, 1);
    const { claims } = (await t.db.query(`SELECT claims FROM tasks WHERE id = $1`, [call.task_id])).rows[0];
    const finish = () => t.app.get(TaskTransitionsRepository).finishTask({
      jobId: created.job_id, taskId: call.task_id, claim: claims, actor: 'worker', taskStatus: 'COMPLETED', taskResult: 'once',
      jobStatus: 'COMPLETED', jobResult: 'once', sessionAppend: { brief: 'the brief', answer: 'once' },
      spend: { usage: { prompt: 1, completion: 1, total: 2 }, tool_calls: [], iterations: 1 },
    });
    const results = await Promise.all([finish(), finish()]);
    expect(results.map((r) => r.applied).sort()).toEqual([false, true]);
    expect(await jobMessages(created.job_id)).toEqual([{ role: 'user', content: 'the brief' }, { role: 'assistant', content: 'once' }]);
    expect(await getJob(auth, created.job_id)).toMatchObject({ job_status: 'COMPLETED', usage: { total: 2 }, iterations: 1 });
  });

  it('a session deleted or expired before its job completes: the job still completes, nothing is appended', async () => {
    const deleted = await orgWithSession();
    await createHttpJobType(t, agent, deleted.auth, { id: 'slow', behaviour: 'accept' });
    const one = await createJob(deleted.auth, deleted.org, 'slow', { session_id: deleted.sessionId });
    const oneCall = await taskCall(one.job_id, 1);
    expect((await t.http().delete(`/services/sessions/${deleted.sessionId}`).set(deleted.auth)).status).toBe(200);
    expect((await callback(oneCall, { status: 'completed', result: 'late' })).body.data.applied).toBe('completed');
    expect(await waitForStatus(deleted.auth, one.job_id, ['COMPLETED'])).toMatchObject({ result: 'late', session_id: deleted.sessionId });

    const expired = await orgWithSession();
    await createHttpJobType(t, agent, expired.auth, { id: 'slow', behaviour: 'accept' });
    const two = await createJob(expired.auth, expired.org, 'slow', { session_id: expired.sessionId });
    const twoCall = await taskCall(two.job_id, 1);
    expect((await t.http().patch(`/services/sessions/${expired.sessionId}`).set(expired.auth).send({ ttl_hours: 1 })).status).toBe(200);
    await eventually(async () => (await t.http().get(`/services/sessions/${expired.sessionId}`).set(expired.auth)).status === 404, 15_000, 100);
    expect((await callback(twoCall, { status: 'completed', result: 'too late' })).body.data.applied).toBe('completed');
    expect((await getJob(expired.auth, two.job_id)).job_status).toBe('COMPLETED');

    expect([await jobMessages(one.job_id), await jobMessages(two.job_id)]).toEqual([[], []]);
    // The expired session was not revived by the job: still expired, its history never shown again.
    expectProblem(await t.http().get(`/services/sessions/${expired.sessionId}`).set(expired.auth), 404, 'SESSION_EXPIRED');
  });
});
