import { AgentServer, createHttpJobType, startAgentServer } from '../support/agent-server';
import { jobsApi } from '../support/jobs';
import { eventually, startTestApp, TestApp } from '../support/test-app';

/** Task execution end to end: the real worker calling a real (local) HTTP agent. */
describe('execution', () => {
  let t: TestApp;
  let agent: AgentServer;

  beforeAll(async () => {
    [t, agent] = await Promise.all([startTestApp(), startAgentServer()]);
  });
  afterAll(async () => {
    await agent?.close();
    await t?.close();
  });

  const { orgWithToken, createJob, getJob, waitForStatus, transitions: events } = jobsApi(() => t, { orgLabel: 'exec', channelCode: 'CEXEC' });

  it('completes: the result is stored, the agent verified the signature, events WAITING→RUNNING→COMPLETED by the worker', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'complete', behaviour: 'complete' });
    const created = await createJob(auth, org, jt.id, { params: { question: 'ping' }, metadata: { trace: 'm-1' } });
    const job = await waitForStatus(auth, created.job_id, ['COMPLETED', 'FAILED']);

    expect(job.job_status).toBe('COMPLETED');
    expect(job.result).toEqual({ echo: { question: 'ping' } });
    expect(job.error).toBeNull();
    expect(job.tasks).toHaveLength(1);
    expect(job.tasks[0]).toMatchObject({ task_id: created.tasks[0].task_id, kind: 'initial', attempt: 1, status: 'COMPLETED', result: { echo: { question: 'ping' } } });

    const seen = agent.forJob(created.job_id);
    expect(seen).toHaveLength(1);
    expect(seen[0].verified).toBe(true);
    expect(seen[0].headers['webhook-id']).toBe(created.tasks[0].task_id);
    expect(seen[0].body).toMatchObject({
      job_id: created.job_id, task_id: created.tasks[0].task_id, kind: 'initial', attempt: 1, org_id: org,
      job_type_id: 'complete', params: { question: 'ping' }, metadata: { trace: 'm-1' }, previous_tasks: [],
      target_channel: { org_id: org, platform: 'slack', code: 'CEXEC' },
    });
    expect(seen[0].body!.callback.url).toBe(`${t.url}/services/agent-jobs/${created.job_id}/tasks/${created.tasks[0].task_id}/result`);
    expect(typeof seen[0].body!.callback.token).toBe('string');

    const ev = await events(auth, created.job_id);
    expect(ev.map((e) => [e.from, e.to])).toEqual([[null, 'WAITING'], ['WAITING', 'RUNNING'], ['RUNNING', 'COMPLETED']]);
    expect(ev.slice(1).map((e) => e.actor)).toEqual(['worker', 'worker']);
  });

  it('a request signed with another secret does not verify at the agent (the check is real)', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'wrong-secret', behaviour: 'complete' });
    agent.registerSecret(jt.path, 'whsec_' + Buffer.from('not-the-secret-of-this-job-type-000').toString('base64'));
    const created = await createJob(auth, org, jt.id, { config: { max_task_retries: 0 } });
    const job = await waitForStatus(auth, created.job_id, ['COMPLETED', 'FAILED']);
    expect(agent.forJob(created.job_id).map((r) => r.verified)).toEqual([false]);
    expect(job.job_status).toBe('FAILED');
    expect(job.error.code).toBe('AGENT_HTTP_ERROR');
  });

  it('fails twice then completes with max_task_retries 2, task_retry_interval 1 s apart', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'flaky', behaviour: 'fail-then-complete', query: { times: 2 } });
    const created = await createJob(auth, org, jt.id, { config: { max_task_retries: 2, task_retry_interval: 1 } });
    const job = await waitForStatus(auth, created.job_id, ['COMPLETED', 'FAILED'], 15_000);

    expect(job.job_status).toBe('COMPLETED');
    expect(job.tasks.map((x: { kind: string; attempt: number; status: string }) => [x.kind, x.attempt, x.status])).toEqual([
      ['initial', 1, 'FAILED'], ['retry', 2, 'FAILED'], ['retry', 3, 'COMPLETED'],
    ]);
    expect(job.tasks[0].error).toEqual({ code: 'AGENT_SAID_NO', message: 'failure 1 of 2' });
    // Each retry waited its interval after the failure before it (never less; how much more is load).
    const gaps = [1, 2].map((i) => Date.parse(job.tasks[i].started_at) - Date.parse(job.tasks[i - 1].finished_at));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(950);
    console.log(`execution: retries 1 s apart started ${gaps.join(' and ')} ms after the failure before them`);
    const seen = agent.forJob(created.job_id);
    expect(seen.map((r) => [r.body!.kind, r.body!.attempt])).toEqual([['initial', 1], ['retry', 2], ['retry', 3]]);
    expect(new Set(seen.map((r) => r.body!.task_id)).size).toBe(3);
    expect(seen.every((r) => r.verified)).toBe(true);
    // Retries see what happened before them.
    expect(seen[2].body!.previous_tasks.map((p) => [p.attempt, p.status])).toEqual([[1, 'FAILED'], [2, 'FAILED']]);
  });

  it('retries exhausted: FAILED with the agent\'s error code', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'hopeless', behaviour: 'fail-then-complete', query: { times: 10 } });
    const created = await createJob(auth, org, jt.id, { config: { max_task_retries: 1, task_retry_interval: 0 } });
    const job = await waitForStatus(auth, created.job_id, ['COMPLETED', 'FAILED']);

    expect(job.job_status).toBe('FAILED');
    expect(job.error).toEqual({ code: 'AGENT_SAID_NO', message: 'failure 2 of 10' });
    expect(job.result).toBeNull();
    expect(job.tasks.map((x: { attempt: number; status: string }) => [x.attempt, x.status])).toEqual([[1, 'FAILED'], [2, 'FAILED']]);
    expect(agent.forJob(created.job_id)).toHaveLength(2);
    const ev = await events(auth, created.job_id);
    expect(ev[ev.length - 1]).toMatchObject({ from: 'RUNNING', to: 'FAILED', actor: 'worker' });
    expect(ev[ev.length - 1].reason).toContain('AGENT_SAID_NO');
  });

  it('HTTP 500 from the agent: AGENT_HTTP_ERROR', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'broken', behaviour: 'http-500' });
    const created = await createJob(auth, org, jt.id, { config: { max_task_retries: 0 } });
    const job = await waitForStatus(auth, created.job_id, ['COMPLETED', 'FAILED']);
    expect(job.job_status).toBe('FAILED');
    expect(job.error.code).toBe('AGENT_HTTP_ERROR');
    expect(job.error.message).toContain('500');
    expect(job.tasks).toHaveLength(1);
    expect(job.tasks[0].error.code).toBe('AGENT_HTTP_ERROR');
  });

  it('a 200 that is not JSON: INVALID_AGENT_RESPONSE', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'garbled', behaviour: 'bad-json' });
    const created = await createJob(auth, org, jt.id, { config: { max_task_retries: 0 } });
    const job = await waitForStatus(auth, created.job_id, ['COMPLETED', 'FAILED']);
    expect(job.job_status).toBe('FAILED');
    expect(job.error.code).toBe('INVALID_AGENT_RESPONSE');
    expect(agent.forJob(created.job_id)).toHaveLength(1);
  });

  it('follow-ups: max_follow_ups 2 gives exactly 3 tasks and completes with the last result', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'chatty', behaviour: 'follow-up' });
    const created = await createJob(auth, org, jt.id, { config: { max_follow_ups: 2 } });
    const job = await waitForStatus(auth, created.job_id, ['COMPLETED', 'FAILED']);

    expect(job.job_status).toBe('COMPLETED');
    expect(job.tasks.map((x: { kind: string; status: string }) => [x.kind, x.status])).toEqual([
      ['initial', 'COMPLETED'], ['follow_up', 'COMPLETED'], ['follow_up', 'COMPLETED'],
    ]);
    expect(job.result).toEqual({ call: 3 });
    expect(job.tasks.map((x: { result: unknown }) => x.result)).toEqual([{ call: 1 }, { call: 2 }, { call: 3 }]);

    const seen = agent.forJob(created.job_id);
    expect(seen).toHaveLength(3);
    expect(seen.map((r) => r.body!.kind)).toEqual(['initial', 'follow_up', 'follow_up']);
    expect(seen[0].body!.previous_tasks).toEqual([]);
    expect(seen[1].body!.previous_tasks.map((p) => [p.task_id, p.status, p.result])).toEqual([[job.tasks[0].task_id, 'COMPLETED', { call: 1 }]]);
    expect(seen[2].body!.previous_tasks.map((p) => [p.task_id, p.result])).toEqual([
      [job.tasks[0].task_id, { call: 1 }], [job.tasks[1].task_id, { call: 2 }],
    ]);
    const ev = await events(auth, created.job_id);
    expect(ev.map((e) => e.to)).toEqual(['WAITING', 'RUNNING', 'COMPLETED']);
  });

  it('max_time_to_complete 2 s with a sleeping agent: FAILED TIMEOUT once it ran out, and the agent call is aborted', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'sleepy', behaviour: 'sleep' });
    const created = await createJob(auth, org, jt.id, { config: { max_time_to_complete: 2, max_task_retries: 3 } });
    const job = await waitForStatus(auth, created.job_id, ['COMPLETED', 'FAILED', 'CANCELED']);

    expect(job.job_status).toBe('FAILED');
    expect(job.error.code).toBe('TIMEOUT');
    // Not before its time ran out (the agent never answers: only the deadline can end it).
    const ran = Date.parse(job.completed_at) - Date.parse(job.started_at);
    expect(ran).toBeGreaterThanOrEqual(1900);
    expect(job.tasks).toHaveLength(1); // a timeout is not retried
    expect(job.tasks[0]).toMatchObject({ status: 'FAILED', error: { code: 'TIMEOUT' } });

    const seen = agent.forJob(created.job_id);
    expect(seen).toHaveLength(1);
    const aborted = await eventually(async () => seen[0].aborted && seen[0]);
    // Aborted at the deadline (2 s after the claim started the job), not before it.
    expect(aborted.abortedAt!).toBeGreaterThanOrEqual(Date.parse(job.started_at) + 1900);
    console.log(`execution: a 2 s max_time_to_complete failed the job after ${ran} ms; the agent saw the abort ${aborted.abortedAt! - aborted.receivedAt} ms after the call`);
    const ev = await events(auth, created.job_id);
    expect(ev[ev.length - 1]).toMatchObject({ from: 'RUNNING', to: 'FAILED', actor: 'system' });
  });

  it('async 202: the job stays RUNNING, then COMPLETES with the callback (answered 200); a second callback gets 409', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'async', behaviour: 'async', query: { delay_ms: 1500 } });
    const created = await createJob(auth, org, jt.id, { params: { n: 7 } });

    const req = await eventually(async () => agent.forJob(created.job_id)[0]?.answered && agent.forJob(created.job_id)[0]);
    expect(req.answered!.status).toBe(202);
    // After the 202 and before the callback: still RUNNING, the task waits.
    await eventually(async () => {
      const { rows } = await t.db.query(`SELECT awaiting_callback FROM tasks WHERE id = $1`, [created.tasks[0].task_id]);
      return rows[0]?.awaiting_callback === true;
    });
    const waiting = await getJob(auth, created.job_id);
    expect(waiting.job_status).toBe('RUNNING');
    expect(waiting.tasks[0].status).toBe('RUNNING');
    expect(req.callback).toBeUndefined();

    const job = await waitForStatus(auth, created.job_id, ['COMPLETED', 'FAILED']);
    expect(job.job_status).toBe('COMPLETED');
    expect(job.result).toEqual({ async: true, echo: { n: 7 } });
    expect(job.tasks).toHaveLength(1);
    expect(job.tasks[0].status).toBe('COMPLETED');
    // The job is COMPLETED as soon as the service committed; the agent sees the answer just after.
    await eventually(async () => req.callback?.status !== undefined);
    expect(req.callback).toMatchObject({ status: 200, body: { data: { job_id: created.job_id, task_id: created.tasks[0].task_id, applied: 'completed' } } });
    expect(agent.forJob(created.job_id)).toHaveLength(1);
    const ev = await events(auth, created.job_id);
    expect(ev[ev.length - 1]).toMatchObject({ from: 'RUNNING', to: 'COMPLETED', actor: 'agent' });

    const again = await t.http().post(`/services/agent-jobs/${created.job_id}/tasks/${created.tasks[0].task_id}/result`)
      .set('Authorization', `Bearer ${req.body!.callback.token}`).send({ status: 'failed', error: { code: 'LATE', message: 'too late' } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('TASK_NOT_RUNNING');
    const after = await getJob(auth, created.job_id);
    expect(after.job_status).toBe('COMPLETED');
    expect(after.result).toEqual({ async: true, echo: { n: 7 } });
  });

  it('an async agent that never reports: the job still fails with TIMEOUT at max_time_to_complete', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'silent', behaviour: 'accept' });
    const created = await createJob(auth, org, jt.id, { config: { max_time_to_complete: 1 } });
    const job = await waitForStatus(auth, created.job_id, ['COMPLETED', 'FAILED']);
    expect(job.job_status).toBe('FAILED');
    expect(job.error.code).toBe('TIMEOUT');
    // The deadline, not the agent, ended it: not before max_time_to_complete.
    expect(Date.parse(job.completed_at) - Date.parse(job.started_at)).toBeGreaterThanOrEqual(950);
    expect(job.tasks.map((x: { status: string }) => x.status)).toEqual(['FAILED']);
    // Its callback now changes nothing.
    const req = agent.forJob(created.job_id)[0];
    const late = await t.http().post(`/services/agent-jobs/${created.job_id}/tasks/${created.tasks[0].task_id}/result`)
      .set('Authorization', `Bearer ${req.body!.callback.token}`).send({ status: 'completed', result: { late: true } });
    expect(late.status).toBe(409);
    expect((await getJob(auth, created.job_id)).job_status).toBe('FAILED');
  });

  it('the result route takes only the task\'s own callback token: an API token or another task\'s token is 401', async () => {
    const { org, token, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'manual-async', behaviour: 'accept' });
    const a = await createJob(auth, org, jt.id);
    const b = await createJob(auth, org, jt.id);
    const [ra, rb] = await Promise.all([a, b].map((j) => eventually(async () => {
      const r = agent.forJob(j.job_id)[0];
      return r?.answered?.status === 202 && r;
    })));
    const route = (j: typeof a) => `/services/agent-jobs/${j.job_id}/tasks/${j.tasks[0].task_id}/result`;
    const body = { status: 'completed', result: { forged: true } };

    const withApiToken = await t.http().post(route(a)).set('Authorization', `Bearer ${token}`).send(body);
    expect(withApiToken.status).toBe(401);
    const withOtherTask = await t.http().post(route(a)).set('Authorization', `Bearer ${rb.body!.callback.token}`).send(body);
    expect(withOtherTask.status).toBe(401);
    const crossed = await t.http().post(`/services/agent-jobs/${a.job_id}/tasks/${b.tasks[0].task_id}/result`)
      .set('Authorization', `Bearer ${rb.body!.callback.token}`).send(body);
    expect(crossed.status).toBe(401);
    const none = await t.http().post(route(a)).send(body);
    expect(none.status).toBe(401);
    // The callback token is no API token either (the service may accept it for subjob creation only).
    const asApi = await t.http().get(`/services/agent-jobs/${a.job_id}`).set('Authorization', `Bearer ${ra.body!.callback.token}`);
    expect([401, 403]).toContain(asApi.status);
    const cancelWithIt = await t.http().delete(`/services/agent-jobs/${a.job_id}`).set('Authorization', `Bearer ${ra.body!.callback.token}`).send({});
    expect([401, 403]).toContain(cancelWithIt.status);

    expect((await getJob(auth, a.job_id)).job_status).toBe('RUNNING');
    const ok = await t.http().post(route(a)).set('Authorization', `Bearer ${ra.body!.callback.token}`).send({ status: 'completed', result: { fine: 1 } });
    expect(ok.status).toBe(200);
    const done = await getJob(auth, a.job_id);
    expect(done.job_status).toBe('COMPLETED');
    expect(done.result).toEqual({ fine: 1 });
    expect((await getJob(auth, b.job_id)).job_status).toBe('RUNNING');
    await t.http().delete(`/services/agent-jobs/${b.job_id}`).set(auth).send({ reason: 'cleanup' }).expect(200);
  });

  it('a result that does not fit output_schema fails the task (retried) with OUTPUT_SCHEMA_MISMATCH', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, {
      id: 'strict', behaviour: 'complete',
      output_schema: { type: 'object', required: ['answer'], properties: { answer: { type: 'string' } } },
    });
    const created = await createJob(auth, org, jt.id, { config: { max_task_retries: 1, task_retry_interval: 0 } });
    const job = await waitForStatus(auth, created.job_id, ['COMPLETED', 'FAILED']);

    expect(job.job_status).toBe('FAILED');
    expect(job.error.code).toBe('OUTPUT_SCHEMA_MISMATCH');
    expect(job.result).toBeNull();
    expect(job.tasks.map((x: { kind: string; status: string; error: { code: string } }) => [x.kind, x.status, x.error?.code])).toEqual([
      ['initial', 'FAILED', 'OUTPUT_SCHEMA_MISMATCH'], ['retry', 'FAILED', 'OUTPUT_SCHEMA_MISMATCH'],
    ]);
    expect(agent.forJob(created.job_id)).toHaveLength(2);
  });

  it('the jobs-report builtin counts the org\'s own jobs, and only them', async () => {
    const a = await orgWithToken();
    const b = await orgWithToken();
    for (const o of [a, b]) {
      await t.http().post('/services/job-types').set(o.auth).send({ id: 'echo', name: 'Echo', executor: { type: 'builtin', name: 'echo' } }).expect(201);
      await t.http().post('/services/job-types').set(o.auth).send({ id: 'report', name: 'Report', executor: { type: 'builtin', name: 'jobs-report' } }).expect(201);
    }
    const echoes = await Promise.all([1, 2, 3].map((i) => createJob(a.auth, a.org, 'echo', { params: { i } })));
    await Promise.all(echoes.map((j) => waitForStatus(a.auth, j.job_id, ['COMPLETED'])));

    const reportA = await createJob(a.auth, a.org, 'report');
    const doneA = await waitForStatus(a.auth, reportA.job_id, ['COMPLETED', 'FAILED']);
    expect(doneA.job_status).toBe('COMPLETED');
    expect(doneA.result).toMatchObject({ org_id: a.org, total: 3, by_status: { COMPLETED: 3, FAILED: 0 }, by_type: [{ job_type_id: 'echo', count: 3 }] });
    expect(doneA.result.text).toContain(`Jobs report for ${a.org}`);
    expect(doneA.result.text).toContain('Total: 3');
    expect(doneA.result.text).toContain('Completed: 3');

    const reportB = await createJob(b.auth, b.org, 'report');
    const doneB = await waitForStatus(b.auth, reportB.job_id, ['COMPLETED', 'FAILED']);
    expect(doneB.job_status).toBe('COMPLETED');
    expect(doneB.result).toMatchObject({ org_id: b.org, total: 0, by_type: [] });
    expect(doneB.result.text).toContain('No jobs were created');
    expect(doneB.result.text).not.toContain(a.org);
  });
});
