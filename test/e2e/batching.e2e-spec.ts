import { eventually, newOrg, startTestApp, TestApp } from '../support/test-app';

/**
 * Creates, claims and finishes that arrive together share one statement (StatementBatcher).
 * These check that each caller still gets its own row and that one bad row fails alone.
 */
describe('batched statements', () => {
  let t: TestApp;
  let org: string;
  let auth: Record<string, string>;
  const channel = () => ({ org_id: org, platform: 'slack', code: 'C0BATCH01' });

  beforeAll(async () => {
    t = await startTestApp();
    org = newOrg();
    auth = { Authorization: `Bearer ${await t.token(org, { SERVICES: 'WRITE' })}` };
    const jt = await t.http().post('/services/job-types').set(auth).send({ id: 'echo', name: 'Echo', executor: { type: 'builtin', name: 'echo' } });
    expect(jt.status).toBe(201);
  });
  afterAll(async () => { await t?.close(); });

  it('a burst of creates: each answer is its own job, and each job completes with its own result and events', async () => {
    const n = 40;
    const created = await Promise.all(Array.from({ length: n }, (_, i) =>
      t.http().post('/services/agent-jobs').set(auth).send({ target_channel: channel(), job_type_id: 'echo', params: { i }, metadata: { i } })));
    expect(created.map((r) => r.status)).toEqual(Array(n).fill(201));
    created.forEach((r, i) => {
      expect(r.body.data.params).toEqual({ i });
      expect(r.body.data.metadata).toEqual({ i });
      expect(r.body.data.tasks).toHaveLength(1);
    });
    expect(new Set(created.map((r) => r.body.data.job_id)).size).toBe(n);
    expect(new Set(created.map((r) => r.body.data.tasks[0].task_id)).size).toBe(n);

    for (const [i, r] of created.entries()) {
      const id = r.body.data.job_id;
      const job = await eventually(async () => {
        const g = await t.http().get(`/services/agent-jobs/${id}`).set(auth);
        return g.body.data.job_status === 'COMPLETED' && g.body.data;
      }, 20_000);
      expect(job.result).toEqual({ i });
      expect(job.tasks.map((task: { status: string }) => task.status)).toEqual(['COMPLETED']);
      expect(job.delivery).toMatchObject({ platform: 'slack', channel: 'C0BATCH01' });
      const ev = await t.http().get(`/services/agent-jobs/${id}/events`).set(auth);
      const transitions = ev.body.data.filter((e: { from: string | null; to: string }) => e.from !== e.to);
      expect(transitions.map((e: { to: string }) => e.to)).toEqual(['WAITING', 'RUNNING', 'COMPLETED']);
      expect(transitions[1].task_id).toBe(job.tasks[0].task_id);
    }
  });

  it('one create that Postgres refuses fails alone; the others of its burst are created', async () => {
    const bodies = Array.from({ length: 10 }, (_, i) => ({
      target_channel: channel(), job_type_id: 'echo',
      // jsonb cannot hold \u0000: Postgres refuses that row, and with it the batch it came in.
      params: i === 4 ? { text: 'nul \u0000 inside' } : { i },
    }));
    const res = await Promise.all(bodies.map((b) => t.http().post('/services/agent-jobs').set(auth).send(b)));
    expect(res.map((r) => r.status)).toEqual([201, 201, 201, 201, 400, 201, 201, 201, 201, 201]);
    expect(res[4].body.code).toBe('INVALID_VALUE');
    const ids = res.filter((r) => r.status === 201).map((r) => r.body.data.job_id);
    for (const id of ids) {
      const g = await t.http().get(`/services/agent-jobs/${id}`).set(auth);
      expect(g.status).toBe(200);
    }
  });
});
