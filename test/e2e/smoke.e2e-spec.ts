import { newOrg, startTestApp, TestApp, eventually } from '../support/test-app';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp(); });
  afterAll(async () => { await t?.close(); });

  it('creates an echo job that completes', async () => {
    const org = newOrg();
    const token = await t.token(org, { SERVICES: 'WRITE' });
    const auth = { Authorization: `Bearer ${token}` };
    const jt = await t.http().post('/services/job-types').set(auth).send({ id: 'echo', name: 'Echo', executor: { type: 'builtin', name: 'echo' } });
    expect(jt.status).toBe(201);
    const res = await t.http().post('/services/agent-jobs').set(auth).send({
      target_channel: { org_id: org, platform: 'slack', code: 'C123' }, job_type_id: 'echo', params: { hello: 'world' },
    });
    expect(res.status).toBe(201);
    const id = res.body.data.job_id;
    const done = await eventually(async () => {
      const r = await t.http().get(`/services/agent-jobs/${id}`).set(auth);
      return r.body.data.job_status === 'COMPLETED' && r.body.data;
    });
    expect(done.result).toEqual({ hello: 'world' });
    const ev = await t.http().get(`/services/agent-jobs/${id}/events`).set(auth);
    // Status transitions; delivery outcomes are recorded as events that keep the status (from = to).
    const transitions = ev.body.data.filter((e: { from: string | null; to: string }) => e.from !== e.to);
    expect(transitions.map((e: { to: string }) => e.to)).toEqual(['WAITING', 'RUNNING', 'COMPLETED']);
  });
});
