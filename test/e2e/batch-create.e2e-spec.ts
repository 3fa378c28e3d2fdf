import { AgentServer, createHttpJobType, startAgentServer } from '../support/agent-server';
import { orgWithToken } from '../support/jobs';
import { metricValue, scrapeMetrics } from '../support/metrics';
import { expectNoLeak, expectProblem, fieldsOf } from '../support/problem';
import { bearer, eventually, startTestApp, TestApp } from '../support/test-app';
import { startWebhookReceiver, WebhookReceiver } from '../support/webhook-receiver';

/** POST /services/agent-jobs/batch: per-item results, limits, Idempotency-Key, and the jobs it makes running to the end. */
describe('batch create', () => {
  let t: TestApp;
  let agent: AgentServer;
  let rx: WebhookReceiver;
  let tenant: Awaited<ReturnType<typeof orgWithToken>>;
  let other: Awaited<ReturnType<typeof orgWithToken>>;
  const channel = (org = tenant.org, code = 'C0BATCH') => ({ org_id: org, platform: 'slack', type: 'channel', code });
  const item = (extra: Record<string, unknown> = {}) => ({ target_channel: channel(), job_type_id: 'done', ...extra });
  const batch = (jobs: unknown, opts: { headers?: Record<string, string>; query?: string; auth?: Record<string, string> } = {}) =>
    t.http().post(`/services/agent-jobs/batch${opts.query ?? ''}`).set(opts.auth ?? tenant.auth).set(opts.headers ?? {}).send({ jobs });
  const countJobs = async (org: string) =>
    Number((await t.db.query(`SELECT count(*) FROM jobs WHERE org_id = $1`, [org])).rows[0].count);

  beforeAll(async () => {
    [t, agent, rx] = await Promise.all([startTestApp(), startAgentServer(), startWebhookReceiver()]);
    tenant = await orgWithToken(t, 'batch');
    other = await orgWithToken(t, 'batch-other');
    await createHttpJobType(t, agent, tenant.auth, { id: 'done', behaviour: 'complete' });
    await createHttpJobType(t, agent, tenant.auth, {
      id: 'strict', behaviour: 'complete',
      params_schema: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
    });
    // Only the other org has this job type: for the tenant it does not exist.
    await createHttpJobType(t, agent, other.auth, { id: 'theirs', behaviour: 'complete' });
  });
  afterAll(async () => {
    await Promise.all([t?.close(), agent?.close(), rx?.close()]);
  });

  it('creates every valid item and answers each invalid one with its own 4xx problem', async () => {
    // A terminal parent, and a parent of the other org.
    const parent = await t.http().post('/services/agent-jobs').set(tenant.auth).send({ ...item(), scheduled_at: new Date(Date.now() + 3600_000).toISOString() });
    expect(parent.status).toBe(201);
    expect((await t.http().delete(`/services/agent-jobs/${parent.body.data.job_id}`).set(tenant.auth)).status).toBe(200);
    const foreign = await t.http().post('/services/agent-jobs').set(other.auth).send({ target_channel: channel(other.org), job_type_id: 'theirs' });
    expect(foreign.status).toBe(201);
    const later = new Date(Date.now() + 3600_000).toISOString();

    const res = await batch([
      item({ metadata: { i: 0 } }),
      item({ nope: true }),
      item({ job_type_id: 'no-such-type' }),
      item({ job_type_id: 'strict', params: { n: 'x' } }),
      42,
      item({ parent_job_id: parent.body.data.job_id }),
      item({ parent_job_id: foreign.body.data.job_id }),
      item({ target_channel: channel(other.org) }),
      item({ job_type_id: 'strict', params: { n: 7 }, scheduled_at: later }),
      item({ parent_job_id: 'job_unknown' }),
    ]);
    expect(res.status).toBe(200);
    expectNoLeak(res);
    expect(res.body.meta).toEqual({ org_id: tenant.org, created: 2, failed: 8 });
    const data = res.body.data as Array<{ index: number; status: number; job: any; error: any }>;
    expect(data.map((d) => d.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(data.map((d) => [d.status, d.error?.code ?? null])).toEqual([
      [201, null],
      [400, 'VALIDATION_ERROR'],
      [404, 'JOB_TYPE_NOT_FOUND'],
      [400, 'VALIDATION_ERROR'],
      [400, 'VALIDATION_ERROR'],
      [409, 'PARENT_JOB_TERMINAL'],
      [403, 'FORBIDDEN'],
      [403, 'ORG_MISMATCH'],
      [201, null],
      [404, 'PARENT_JOB_NOT_FOUND'],
    ]);
    for (const d of data) {
      if (d.status === 201) {
        expect(d.error).toBeNull();
        continue;
      }
      expect(d.job).toBeNull();
      // The problem a single create of the item answers: the same members.
      expect(d.error).toEqual(expect.objectContaining({ type: expect.any(String), title: expect.any(String), status: d.status, detail: expect.any(String) }));
    }
    // Field errors are paths inside the item.
    expect(data[1].error.errors.map((e: { field: string }) => e.field)).toEqual(['nope']);
    expect(data[3].error.errors.map((e: { field: string }) => e.field)).toEqual(['params.n']);
    expect(data[4].error.errors.map((e: { field: string }) => e.field)).toEqual(['jobs.4']);

    const [first, scheduled] = [data[0].job, data[8].job];
    expect(first).toEqual(expect.objectContaining({ org_id: tenant.org, job_type_id: 'done', job_status: 'WAITING', metadata: { i: 0 }, channel_code: 'C0BATCH' }));
    expect(first.tasks).toEqual([expect.objectContaining({ kind: 'initial', attempt: 1, status: 'PENDING' })]);
    expect(scheduled).toEqual(expect.objectContaining({ job_status: 'SCHEDULED', scheduled_at: later, params: { n: 7 } }));
    // Stored as a single create stores them: the job, its first task, its creation event.
    const got = await t.http().get(`/services/agent-jobs/${scheduled.job_id}`).set(tenant.auth);
    expect(got.status).toBe(200);
    expect(got.body.data.tasks.map((k: { task_id: string }) => k.task_id)).toEqual([scheduled.tasks[0].task_id]);
    const events = await t.http().get(`/services/agent-jobs/${scheduled.job_id}/events`).set(tenant.auth);
    expect(events.body.data).toEqual([expect.objectContaining({ kind: 'transition', from: null, to: 'SCHEDULED', actor: `token:${tenant.tokenId}` })]);
  });

  it('refuses an item Postgres cannot store (a NUL byte) alone, with or without an Idempotency-Key', async () => {
    const jobs = [
      item({ metadata: { ok: 1 } }),
      item({ params: { text: 'a\u0000b' } }),
      item({ job_type_id: 'done\u0000' }),
      item({ parent_job_id: 'job_01\u0000' }),
      item({ metadata: { ok: 2 } }),
    ];
    for (const headers of [{}, { 'Idempotency-Key': `nul-${Date.now()}` }] as Array<Record<string, string>>) {
      const res = await batch(jobs, { headers });
      expect(res.status).toBe(200);
      expectNoLeak(res);
      expect(res.body.data.map((d: { status: number; error: { code: string } | null }) => [d.status, d.error?.code ?? null])).toEqual([
        [201, null], [400, 'INVALID_VALUE'], [400, 'INVALID_VALUE'], [400, 'INVALID_VALUE'], [201, null],
      ]);
      const ids = [res.body.data[0].job.job_id, res.body.data[4].job.job_id];
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM jobs WHERE id = ANY($1)`, [ids]);
      expect(rows[0].n).toBe(2);
    }
  });

  it('answers 400 VALIDATION_ERROR for 0 or 501 items, or no jobs array, and creates nothing', async () => {
    const before = await countJobs(tenant.org);
    for (const jobs of [[], Array.from({ length: 501 }, () => item()), 'x', undefined]) {
      const res = await batch(jobs);
      expectProblem(res, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(res)).toContain('jobs');
    }
    const extra = await t.http().post('/services/agent-jobs/batch').set(tenant.auth).send({ jobs: [item()], more: 1 });
    expectProblem(extra, 400, 'VALIDATION_ERROR');
    expect(fieldsOf(extra)).toEqual(['more']);
    expect(await countJobs(tenant.org)).toBe(before);
  });

  it('needs SERVICES:WRITE, and a body of at most 1 MB', async () => {
    const reader = bearer(await t.token(tenant.org, { SERVICES: 'READ' }));
    expectProblem(await batch([item()], { auth: reader }), 403);
    expectProblem(await t.http().post('/services/agent-jobs/batch').send({ jobs: [item()] }), 401);
    const big = Array.from({ length: 500 }, () => item({ metadata: { pad: 'x'.repeat(2200) } }));
    expectProblem(await batch(big), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('fits 500 typical items in well under the 1 MB cap, and creates 499 of them when one has an unknown job type', async () => {
    const jobs = Array.from({ length: 500 }, (_, i) => item({
      job_type_id: i === 321 ? 'missing-type' : 'strict',
      params: { n: i }, metadata: { source: 'nightly-import', row: i }, callback_url: rx.endpoint('ok').url,
    }));
    // A typical item (channel, type, params, metadata, callback) is ~250 bytes: 500 of them ~125 kB.
    expect(Buffer.byteLength(JSON.stringify({ jobs }))).toBeLessThan(256 * 1024);
    const before = await countJobs(tenant.org);
    const res = await batch(jobs, { query: '?delay=60' });
    expect(res.status).toBe(200);
    expect(res.body.meta).toEqual({ org_id: tenant.org, created: 499, failed: 1 });
    const failed = res.body.data.filter((d: { status: number }) => d.status !== 201);
    expect(failed).toEqual([expect.objectContaining({ index: 321, status: 404, job: null, error: expect.objectContaining({ code: 'JOB_TYPE_NOT_FOUND' }) })]);
    expect(await countJobs(tenant.org)).toBe(before + 499);
    const ids = res.body.data.filter((d: { job: unknown }) => d.job).map((d: { job: { job_id: string } }) => d.job.job_id);
    const stored = await t.db.query(
      `SELECT (SELECT count(*) FROM tasks WHERE job_id = ANY($1)) AS tasks, (SELECT count(*) FROM job_events WHERE job_id = ANY($1)) AS events`, [ids],
    );
    expect(stored.rows[0]).toEqual({ tasks: '499', events: '499' });
    // `delay` applies to each item: each is due within the next 60 minutes, and they spread out.
    const due = res.body.data.filter((d: { job: unknown }) => d.job).map((d: { job: { scheduled_at: string } }) => Date.parse(d.job.scheduled_at));
    expect(Math.max(...due)).toBeLessThanOrEqual(Date.now() + 3600_000);
    expect(new Set(due).size).toBeGreaterThan(400);
    // The delayed jobs are queued in Bull (one addBulk): each task's Bull job exists, delayed.
    const queued = await eventually(async () => (await t.redis.zcard(`${t.env.QUEUE_PREFIX}:agent-tasks:delayed`)) >= 499 && true);
    expect(queued).toBe(true);
  });

  it('reports the job types of another org as unknown, item by item', async () => {
    const res = await batch([item(), item({ job_type_id: 'theirs' }), item()]);
    expect(res.status).toBe(200);
    expect(res.body.data.map((d: { status: number }) => d.status)).toEqual([201, 404, 201]);
    expect(res.body.data[1].error).toEqual(expect.objectContaining({ code: 'JOB_TYPE_NOT_FOUND', detail: expect.not.stringContaining(other.org) }));
    expect(res.body.meta).toEqual({ org_id: tenant.org, created: 2, failed: 1 });
  });

  it('replays the first answer for the same Idempotency-Key and body, creating nothing new; another body is 422', async () => {
    const headers = { 'Idempotency-Key': `batch-${Date.now()}` };
    const jobs = [item({ metadata: { k: 1 } }), item({ job_type_id: 'no-such-type' }), item({ metadata: { k: 2 } })];
    const first = await batch(jobs, { headers });
    expect(first.status).toBe(200);
    expect(first.body.meta).toEqual({ org_id: tenant.org, created: 2, failed: 1 });
    const after = await countJobs(tenant.org);
    // The jobs have moved on meanwhile (they run): the replay is still the first answer, as it was.
    await eventually(async () => {
      const r = await t.http().get(`/services/agent-jobs/${first.body.data[0].job.job_id}`).set(tenant.auth);
      return r.body.data.job_status === 'COMPLETED';
    });
    const again = await batch(jobs, { headers });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await countJobs(tenant.org)).toBe(after);

    const reused = await batch([item()], { headers });
    expectProblem(reused, 422, 'IDEMPOTENCY_KEY_REUSED');
    expectProblem(await batch(jobs, { headers, query: '?delay=5' }), 422, 'IDEMPOTENCY_KEY_REUSED');
    // A single create with the batch's key is another request too.
    expectProblem(await t.http().post('/services/agent-jobs').set(tenant.auth).set(headers).send(item()), 422, 'IDEMPOTENCY_KEY_REUSED');
    expectProblem(await batch(jobs, { headers: { 'Idempotency-Key': '' } }), 400, 'INVALID_IDEMPOTENCY_KEY');
    // Same key in another org: its own request.
    const theirs = await batch([{ target_channel: channel(other.org), job_type_id: 'theirs' }], { headers, auth: other.auth });
    expect(theirs.body.meta).toEqual({ org_id: other.org, created: 1, failed: 0 });
    expect(await countJobs(tenant.org)).toBe(after);
  });

  it('answers two concurrent batches with one key with one set of jobs', async () => {
    const headers = { 'Idempotency-Key': `batch-race-${Date.now()}` };
    const jobs = Array.from({ length: 50 }, (_, i) => item({ metadata: { race: i } }));
    const before = await countJobs(tenant.org);
    const answers = await Promise.all([batch(jobs, { headers }), batch(jobs, { headers }), batch(jobs, { headers })]);
    const ok = answers.filter((r) => r.status === 200);
    for (const r of answers.filter((a) => a.status !== 200)) expectProblem(r, 409, 'IDEMPOTENCY_CONFLICT');
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of ok) expect(r.body).toEqual(ok[0].body);
    expect(await countJobs(tenant.org)).toBe(before + 50);
    // Once the first has committed, the key answers its replay.
    expect((await batch(jobs, { headers })).body).toEqual(ok[0].body);
  });

  it('lets an agent batch-create subjobs of its own job with its task callback token, and nothing else', async () => {
    await createHttpJobType(t, agent, tenant.auth, { id: 'holds', behaviour: 'accept' });
    const parent = await t.http().post('/services/agent-jobs').set(tenant.auth).send(item({ job_type_id: 'holds' }));
    const sent = await eventually(async () => agent.requests.find((r) => r.body?.job_id === parent.body.data.job_id));
    const taskAuth = bearer(sent.body!.callback.token);
    const elsewhere = (await batch([item()])).body.data[0].job.job_id;
    const res = await batch([item(), item({ parent_job_id: elsewhere }), item({ parent_job_id: parent.body.data.job_id })], { auth: taskAuth });
    expect(res.status).toBe(200);
    expect(res.body.data.map((d: { status: number; error: { code: string } | null }) => [d.status, d.error?.code ?? null])).toEqual([
      [201, null], [403, 'FORBIDDEN'], [201, null],
    ]);
    expect(res.body.data[0].job.parent_job_id).toBe(parent.body.data.job_id);
    const got = await t.http().get(`/services/agent-jobs/${parent.body.data.job_id}`).set(tenant.auth);
    expect(got.body.data.subjobs).toHaveLength(2);
  });

  it('leaves the key free when no item was created', async () => {
    const headers = { 'Idempotency-Key': `batch-none-${Date.now()}` };
    const none = await batch([item({ job_type_id: 'later-type' })], { headers });
    expect(none.body.meta).toEqual({ org_id: tenant.org, created: 0, failed: 1 });
    await createHttpJobType(t, agent, tenant.auth, { id: 'later-type', behaviour: 'complete' });
    const now = await batch([item({ job_type_id: 'later-type' })], { headers });
    expect(now.body.meta).toEqual({ org_id: tenant.org, created: 1, failed: 0 });
  });

  it('runs the created jobs to COMPLETED with their agent, with their callbacks, observers and metrics', async () => {
    const metricsBefore = metricValue(await scrapeMetrics(t.url), 'agent_jobs_jobs_created_total', { status: 'WAITING', job_type: 'done' });
    const cb = rx.endpoint('ok');
    const observer = rx.endpoint('ok');
    const res = await batch(Array.from({ length: 20 }, (_, i) => item({
      params: { i }, callback_url: cb.url, observers: [{ type: 'webhook', url: observer.url, events: ['running', 'completed'] }],
    })));
    expect(res.body.meta).toEqual({ org_id: tenant.org, created: 20, failed: 0 });
    const ids: string[] = res.body.data.map((d: { job: { job_id: string } }) => d.job.job_id);
    await eventually(async () => {
      const { rows } = await t.db.query(`SELECT count(*) FROM jobs WHERE id = ANY($1) AND status = 'COMPLETED'`, [ids]);
      return rows[0].count === '20';
    }, 30_000);
    const done = await t.http().get(`/services/agent-jobs/${ids[7]}`).set(tenant.auth);
    expect(done.body.data).toEqual(expect.objectContaining({ job_status: 'COMPLETED', params: { i: 7 } }));
    expect(agent.requests.filter((r) => r.body && ids.includes(r.body.job_id))).toHaveLength(20);
    const completed = await eventually(async () => rx.forPath(cb.path).length >= 20 && rx.forPath(cb.path), 20_000);
    expect(new Set(completed.map((w) => w.body?.data.job_id))).toEqual(new Set(ids));
    expect(completed.every((w) => w.body?.type === 'job.completed')).toBe(true);
    await eventually(async () => rx.forPath(observer.path).length >= 40, 20_000);
    const metricsAfter = metricValue(await scrapeMetrics(t.url), 'agent_jobs_jobs_created_total', { status: 'WAITING', job_type: 'done' });
    expect(metricsAfter - metricsBefore).toBe(20);
  });
});
