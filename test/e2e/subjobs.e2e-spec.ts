import { createServer, Server } from 'node:http';
import { closeNow, listenLocally, readBody } from '../support/local-http';
import { eventually, newOrg, startTestApp, TestApp } from '../support/test-app';

/**
 * Subjobs: parent_job_id in the same org, a parent that is still active, the parent's
 * `subjobs` list, agents creating subjobs with their task's callback token, cascade cancel.
 */
describe('subjobs', () => {
  let t: TestApp;
  let agent: Server;
  let agentUrl: string;
  const subjobAnswers: Array<{ status: number; body: any }> = [];
  const callbackTokens: string[] = [];
  let org: string;
  let auth: { Authorization: string };

  const channel = () => ({ org_id: org, platform: 'slack', code: 'C0SUBJOBS' });
  const createJob = (body: Record<string, unknown>, headers = auth) =>
    t.http().post('/services/agent-jobs').set(headers).send({ target_channel: channel(), job_type_id: 'echo', ...body });

  beforeAll(async () => {
    t = await startTestApp();
    org = newOrg('sub');
    auth = { Authorization: `Bearer ${await t.token(org, { SERVICES: 'WRITE' })}` };
    // An agent that, for each task, creates one subjob with its callback token, then completes.
    agent = createServer(async (req, res) => {
      const task = JSON.parse(await readBody(req));
      callbackTokens.push(task.callback.token);
      const r = await fetch(`${t.url}/services/agent-jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${task.callback.token}` },
        body: JSON.stringify({ target_channel: task.target_channel, job_type_id: 'echo', params: { from: task.job_id } }),
      });
      subjobAnswers.push({ status: r.status, body: await r.json() });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'completed', result: { spawned: true } }));
    });
    agentUrl = `${await listenLocally(agent)}/agent`;
    for (const jt of [
      { id: 'echo', name: 'Echo', executor: { type: 'builtin', name: 'echo' } },
      { id: 'spawner', name: 'Spawner', executor: { type: 'http', url: agentUrl, timeout_seconds: 5 } },
    ]) expect((await t.http().post('/services/job-types').set(auth).send(jt)).status).toBe(201);
  });

  afterAll(async () => {
    await t?.close();
    await closeNow(agent);
  });

  it('lists subjobs on the parent and refuses a terminal or foreign parent', async () => {
    const later = new Date(Date.now() + 3600_000).toISOString();
    const parent = (await createJob({ scheduled_at: later })).body.data;
    const child = await createJob({ parent_job_id: parent.job_id, scheduled_at: later });
    expect(child.status).toBe(201);
    expect(child.body.data.parent_job_id).toBe(parent.job_id);
    const got = await t.http().get(`/services/agent-jobs/${parent.job_id}`).set(auth);
    expect(got.body.data.subjobs).toEqual([child.body.data.job_id]);

    await t.http().delete(`/services/agent-jobs/${parent.job_id}`).set(auth).send({ reason: 'done' });
    const late = await createJob({ parent_job_id: parent.job_id });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('PARENT_JOB_TERMINAL');

    const other = newOrg('sub-other');
    const otherAuth = { Authorization: `Bearer ${await t.token(other, { SERVICES: 'WRITE' })}` };
    await t.http().post('/services/job-types').set(otherAuth).send({ id: 'echo', name: 'Echo', executor: { type: 'builtin', name: 'echo' } });
    const foreign = await t.http().post('/services/agent-jobs').set(otherAuth).send({
      target_channel: { org_id: other, platform: 'slack', code: 'C0OTHER' }, job_type_id: 'echo', parent_job_id: child.body.data.job_id,
    });
    expect(foreign.status).toBe(403);
    expect(JSON.stringify(foreign.body)).not.toContain(org);
  });

  it('cancels non-terminal subjobs (and theirs) with the parent, with the reason', async () => {
    const later = new Date(Date.now() + 3600_000).toISOString();
    const parent = (await createJob({ scheduled_at: later })).body.data;
    const child = (await createJob({ parent_job_id: parent.job_id, scheduled_at: later })).body.data;
    const grandchild = (await createJob({ parent_job_id: child.job_id, scheduled_at: later })).body.data;
    const del = await t.http().delete(`/services/agent-jobs/${parent.job_id}`).set(auth).send({ reason: 'budget cut' });
    expect(del.status).toBe(200);
    for (const id of [child.job_id, grandchild.job_id]) {
      const job = (await t.http().get(`/services/agent-jobs/${id}`).set(auth)).body.data;
      expect(job.job_status).toBe('CANCELED');
      expect(job.cancel_reason).toBe('parent canceled: budget cut');
      expect(job.tasks[0].status).toBe('CANCELED');
    }
  });

  it('lets an agent create subjobs of its own job with its callback token, and nothing else', async () => {
    const parent = (await t.http().post('/services/agent-jobs').set(auth).send({ target_channel: channel(), job_type_id: 'spawner' })).body.data;
    await eventually(async () => subjobAnswers.length > 0);
    const answer = subjobAnswers[0];
    expect(answer.status).toBe(201);
    expect(answer.body.data.parent_job_id).toBe(parent.job_id);
    const subjob = answer.body.data.job_id;
    const done = await eventually(async () => {
      const p = (await t.http().get(`/services/agent-jobs/${parent.job_id}`).set(auth)).body.data;
      return p.job_status === 'COMPLETED' && p;
    });
    expect(done.subjobs).toEqual([subjob]);
    const events = (await t.http().get(`/services/agent-jobs/${subjob}/events`).set(auth)).body.data;
    expect(events[0].actor).toMatch(/^task:task_/);

    // The same callback token may not read jobs, manage job types, or hang subjobs elsewhere.
    const taskAuth = { Authorization: `Bearer ${callbackTokens[0]}` };
    const read = await t.http().get(`/services/agent-jobs/${parent.job_id}`).set(taskAuth);
    expect(read.status).toBe(403);
    expect(read.body.code).toBe('INSUFFICIENT_ACCESS');
    const jt = await t.http().post('/services/job-types').set(taskAuth).send({ id: 'x', name: 'x', executor: { type: 'builtin', name: 'echo' } });
    expect(jt.status).toBe(403);
    const elsewhere = await createJob({ parent_job_id: subjob }, taskAuth);
    expect(elsewhere.status).toBe(403);
  });
});
