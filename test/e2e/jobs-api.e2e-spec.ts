import type { Response } from 'supertest';
import { SERVICE_DEFAULT_CONFIG } from '../../libs/job-types/src/job-config';
import { expectProblem, fieldsOf } from '../support/problem';
import { bearer, eventually, newOrg, startTestApp, TestApp, tokenId } from '../support/test-app';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const HOUR = 3600_000;

const JOB_FIELDS = [
  'job_id', 'org_id', 'channel_code', 'job_type_id', 'job_status', 'created_at', 'updated_at', 'scheduled_at', 'started_at',
  'completed_at', 'tasks', 'result', 'error', 'params', 'config', 'target_channel', 'metadata', 'parent_job_id', 'subjobs',
  'cancel_reason', 'canceled_by', 'canceled_at', 'delivery', 'session_id', 'usage', 'iterations',
];
const TASK_FIELDS = ['task_id', 'kind', 'attempt', 'status', 'created_at', 'started_at', 'finished_at', 'result', 'error', 'usage', 'tool_calls', 'iterations'];

interface Job {
  job_id: string;
  job_status: string;
  created_at: string;
  updated_at: string;
  scheduled_at: string;
  job_type_id: string;
  channel_code: string;
  [k: string]: unknown;
}

describe('jobs API', () => {
  let t: TestApp;
  let org: string;
  let token: string;
  let auth: Record<string, string>;
  const channel = (code = 'C0API') => ({ org_id: org, platform: 'slack', type: 'channel', code, data: { thread_ts: '1712.0001' } });
  const body = (extra: Record<string, unknown> = {}) => ({ target_channel: channel(), job_type_id: 'echo', ...extra });
  const create = (b: object, headers: Record<string, string> = {}, query = '') =>
    t.http().post(`/services/agent-jobs${query}`).set(auth).set(headers).send(b);
  const getJob = (id: string) => t.http().get(`/services/agent-jobs/${id}`).set(auth);
  const waitFor = (id: string, status: string) =>
    eventually(async () => {
      const r = await getJob(id);
      return r.body.data.job_status === status && (r.body.data as Job);
    });

  beforeAll(async () => {
    t = await startTestApp();
    org = newOrg('jobs');
    token = await t.token(org, { SERVICES: 'WRITE' });
    auth = bearer(token);
    for (const jt of [
      { id: 'echo', name: 'Echo', executor: { type: 'builtin', name: 'echo' } },
      { id: 'tuned', name: 'Tuned', executor: { type: 'builtin', name: 'echo' }, default_config: { max_task_retries: 5, start_prompt: 'type prompt', profile_id: 'p-type' } },
    ]) expect((await t.http().post('/services/job-types').set(auth).send(jt)).status).toBe(201);
  });
  afterAll(async () => { await t?.close(); });

  describe('create', () => {
    it('returns 201 with the full Job representation and meta', async () => {
      const metadata = { trace: 'abc', nested: { list: [1, 'two', null, { deep: true }] }, unicode: 'héllo ✓', n: 1.5 };
      const params = { question: 'What changed?', options: { depth: 2 } };
      const before = Date.now();
      const res = await create(body({ params, metadata }));
      expect(res.status).toBe(201);
      const job = res.body.data;
      expect(Object.keys(job)).toEqual(expect.arrayContaining(JOB_FIELDS));
      expect(res.body.meta).toEqual({ org_id: org, id: job.job_id });
      expect(job).toEqual(expect.objectContaining({
        job_id: expect.stringMatching(/^job_[0-9a-z]{26}$/), org_id: org, channel_code: 'C0API', job_type_id: 'echo',
        job_status: 'WAITING', created_at: expect.stringMatching(ISO), updated_at: expect.stringMatching(ISO),
        scheduled_at: expect.stringMatching(ISO), started_at: null, completed_at: null, result: null, error: null,
        params, config: SERVICE_DEFAULT_CONFIG, target_channel: channel(), metadata, parent_job_id: null, subjobs: [],
        cancel_reason: null, canceled_by: null, canceled_at: null, session_id: null, usage: { prompt: 0, completion: 0, total: 0 }, iterations: 0,
      }));
      expect(Date.parse(job.created_at)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(job.created_at)).toBeLessThanOrEqual(Date.now() + 1000);
      // Without scheduled_at it is due at once: at its creation.
      expect(job.scheduled_at).toBe(job.created_at);
      expect(job.tasks).toHaveLength(1);
      expect(Object.keys(job.tasks[0])).toEqual(expect.arrayContaining(TASK_FIELDS));
      expect(job.tasks[0]).toEqual(expect.objectContaining({
        task_id: expect.stringMatching(/^task_/), kind: 'initial', attempt: 1, created_at: expect.stringMatching(ISO),
        started_at: null, finished_at: null, result: null, error: null, usage: { prompt: 0, completion: 0, total: 0 }, tool_calls: [], iterations: 0,
      }));

      // GET returns the same job (now run by the echo agent).
      const done = await waitFor(job.job_id, 'COMPLETED');
      expect(Object.keys(done)).toEqual(expect.arrayContaining(JOB_FIELDS));
      expect(done).toEqual(expect.objectContaining({
        job_id: job.job_id, created_at: job.created_at, params, metadata, target_channel: channel(), result: params,
        started_at: expect.stringMatching(ISO), completed_at: expect.stringMatching(ISO),
      }));
    });

    it('merges config over the job type default_config over the service defaults', async () => {
      const plain = await create(body({ job_type_id: 'tuned', scheduled_at: new Date(Date.now() + HOUR).toISOString() }));
      expect(plain.status).toBe(201);
      expect(plain.body.data.config).toEqual({ ...SERVICE_DEFAULT_CONFIG, max_task_retries: 5, start_prompt: 'type prompt', profile_id: 'p-type' });

      const overridden = await create(body({
        job_type_id: 'tuned', scheduled_at: new Date(Date.now() + HOUR).toISOString(),
        config: { max_follow_ups: 1, start_prompt: 'job prompt', profile_id: null, task_retry_interval: 0 },
      }));
      expect(overridden.status).toBe(201);
      const expected = { ...SERVICE_DEFAULT_CONFIG, max_task_retries: 5, max_follow_ups: 1, start_prompt: 'job prompt', profile_id: null, task_retry_interval: 0 };
      expect(overridden.body.data.config).toEqual(expected);
      expect((await getJob(overridden.body.data.job_id)).body.data.config).toEqual(expected);
      // The service defaults are real values, not an empty object.
      expect(Object.keys(SERVICE_DEFAULT_CONFIG).sort()).toEqual(
        ['max_follow_ups', 'max_iterations', 'max_task_retries', 'max_time_to_complete', 'profile_id', 'start_prompt', 'task_retry_interval'],
      );
    });

    it('returns metadata as given, and null when absent', async () => {
      const none = await create(body({ scheduled_at: new Date(Date.now() + HOUR).toISOString() }));
      expect(none.body.data.metadata).toBeNull();
      const empty = await create(body({ metadata: {}, scheduled_at: new Date(Date.now() + HOUR).toISOString() }));
      expect(empty.body.data.metadata).toEqual({});
      expect((await getJob(empty.body.data.job_id)).body.data.metadata).toEqual({});
    });

    it('a future scheduled_at gives SCHEDULED at exactly that time; a past one runs now', async () => {
      const at = new Date(Date.now() + 2 * HOUR);
      at.setMilliseconds(123);
      const res = await create(body({ scheduled_at: at.toISOString() }));
      expect(res.status).toBe(201);
      expect(res.body.data).toEqual(expect.objectContaining({ job_status: 'SCHEDULED', scheduled_at: at.toISOString() }));
      expect((await getJob(res.body.data.job_id)).body.data.job_status).toBe('SCHEDULED');

      const offset = await create(body({ scheduled_at: '2099-01-01T12:00:00+02:00' }));
      expect(offset.body.data).toEqual(expect.objectContaining({ job_status: 'SCHEDULED', scheduled_at: '2099-01-01T10:00:00.000Z' }));

      const past = await create(body({ scheduled_at: new Date(Date.now() - HOUR).toISOString() }));
      expect(past.status).toBe(201);
      expect(['WAITING', 'RUNNING', 'COMPLETED']).toContain(past.body.data.job_status);
      // A past scheduled_at counts as now: due at its creation.
      expect(past.body.data.scheduled_at).toBe(past.body.data.created_at);
      await waitFor(past.body.data.job_id, 'COMPLETED');
    });

    it('delay spreads the scheduled time over [now, now + delay minutes]', async () => {
      const before = Date.now();
      const res = await create(body(), {}, '?delay=30');
      expect(res.status).toBe(201);
      expect(res.body.data.job_status).toBe('SCHEDULED');
      const at = Date.parse(res.body.data.scheduled_at);
      expect(at).toBeGreaterThanOrEqual(before);
      expect(at).toBeLessThanOrEqual(Date.now() + 30 * 60_000);
      const later = await create(body({ scheduled_at: new Date(before + HOUR).toISOString() }), {}, '?delay=1');
      const laterAt = Date.parse(later.body.data.scheduled_at);
      expect(laterAt).toBeGreaterThanOrEqual(before + HOUR);
      expect(laterAt).toBeLessThanOrEqual(before + HOUR + 60_000);
    });
  });

  describe('Idempotency-Key', () => {
    const future = new Date(Date.now() + 5 * HOUR).toISOString();

    it('same key and same body: 200 and the same job, whatever the key order in the body', async () => {
      const key = `idem-${Date.now()}-same`;
      const first = await create(body({ params: { a: 1, b: [1, 2] }, metadata: { x: 'y' }, scheduled_at: future }), { 'Idempotency-Key': key });
      expect(first.status).toBe(201);
      const again = await create(body({ params: { a: 1, b: [1, 2] }, metadata: { x: 'y' }, scheduled_at: future }), { 'Idempotency-Key': key });
      expect(again.status).toBe(200);
      expect(again.body.data.job_id).toBe(first.body.data.job_id);
      expect(again.body.meta).toEqual({ org_id: org, id: first.body.data.job_id });
      expect(Object.keys(again.body.data)).toEqual(expect.arrayContaining(JOB_FIELDS));

      const reordered = {
        scheduled_at: future, metadata: { x: 'y' }, params: { b: [1, 2], a: 1 }, job_type_id: 'echo',
        target_channel: { data: { thread_ts: '1712.0001' }, code: 'C0API', type: 'channel', platform: 'slack', org_id: org },
      };
      const third = await create(reordered, { 'Idempotency-Key': key });
      expect(third.status).toBe(200);
      expect(third.body.data.job_id).toBe(first.body.data.job_id);
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM idempotency_keys WHERE org_id = $1 AND key = $2`, [org, key]);
      expect(rows[0].n).toBe(1);
    });

    it('replays the job as it is now', async () => {
      const key = `idem-${Date.now()}-state`;
      const first = await create(body({ params: { state: 1 } }), { 'Idempotency-Key': key });
      expect(first.status).toBe(201);
      await waitFor(first.body.data.job_id, 'COMPLETED');
      const again = await create(body({ params: { state: 1 } }), { 'Idempotency-Key': key });
      expect(again.status).toBe(200);
      expect(again.body.data).toEqual(expect.objectContaining({ job_id: first.body.data.job_id, job_status: 'COMPLETED', result: { state: 1 } }));
    });

    it('same key with a different body (or delay) is 422 IDEMPOTENCY_KEY_REUSED', async () => {
      const key = `idem-${Date.now()}-diff`;
      const first = await create(body({ params: { a: 1 }, scheduled_at: future }), { 'Idempotency-Key': key });
      expect(first.status).toBe(201);
      expectProblem(await create(body({ params: { a: 2 }, scheduled_at: future }), { 'Idempotency-Key': key }), 422, 'IDEMPOTENCY_KEY_REUSED');
      expectProblem(await create(body({ params: { a: 1 }, scheduled_at: future, metadata: {} }), { 'Idempotency-Key': key }), 422, 'IDEMPOTENCY_KEY_REUSED');
      expectProblem(await create(body({ params: { a: 1 }, scheduled_at: future }), { 'Idempotency-Key': key }, '?delay=5'), 422, 'IDEMPOTENCY_KEY_REUSED');
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM jobs WHERE org_id = $1 AND params = '{"a": 2}'::jsonb`, [org]);
      expect(rows[0].n).toBe(0);
    });

    it('different keys make different jobs; no key makes a new job each time', async () => {
      const b = body({ params: { same: true }, scheduled_at: future });
      const one = await create(b, { 'Idempotency-Key': `idem-${Date.now()}-k1` });
      const two = await create(b, { 'Idempotency-Key': `idem-${Date.now()}-k2` });
      const three = await create(b);
      const four = await create(b);
      expect([one.status, two.status, three.status, four.status]).toEqual([201, 201, 201, 201]);
      expect(new Set([one, two, three, four].map((r) => r.body.data.job_id)).size).toBe(4);
    });

    it('concurrent requests with the same key make one job', async () => {
      const key = `idem-${Date.now()}-race`;
      const marker = `race-${Math.random()}`;
      const results = await Promise.all(
        Array.from({ length: 8 }, () => create(body({ metadata: { marker }, scheduled_at: future }), { 'Idempotency-Key': key })),
      );
      for (const r of results) expect([200, 201]).toContain(r.status);
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      expect(new Set(results.map((r) => r.body.data.job_id)).size).toBe(1);
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM jobs WHERE org_id = $1 AND metadata->>'marker' = $2`, [org, marker]);
      expect(rows[0].n).toBe(1);
    });

    it('an empty or overlong key is 400', async () => {
      expectProblem(await create(body(), { 'Idempotency-Key': 'k'.repeat(256) }), 400, 'INVALID_IDEMPOTENCY_KEY');
      expectProblem(await create(body(), { 'Idempotency-Key': '' }), 400, 'INVALID_IDEMPOTENCY_KEY');
    });
  });

  describe('list', () => {
    let listOrg: string;
    let listAuth: Record<string, string>;
    let all: Job[];
    const base = Date.now() + 24 * HOUR;
    const list = (query = '') => t.http().get(`/services/agent-jobs${query}`).set(listAuth);

    type SortField = 'created_at' | 'updated_at' | 'scheduled_at';
    /** Microsecond sort keys straight from Postgres (the API shows milliseconds). */
    let keys: Map<string, Record<SortField, bigint>>;
    /**
     * The expected order of the 25 jobs that no longer change (SCHEDULED or CANCELED): the two that ran
     * may still be touched by delivery after completing, so sort and keyset checks filter them out.
     */
    const STABLE = 'status=SCHEDULED,CANCELED';
    const sorted = (field: SortField, direction: 'asc' | 'desc', pool: Job[] = all.filter((j) => j.job_status !== 'COMPLETED')) =>
      [...pool].sort((a, b) => {
        const ka = keys.get(a.job_id)![field];
        const kb = keys.get(b.job_id)![field];
        const d = ka < kb ? -1 : ka > kb ? 1 : a.job_id < b.job_id ? -1 : a.job_id > b.job_id ? 1 : 0;
        return direction === 'asc' ? d : -d;
      }).map((j) => j.job_id);
    const ids = (res: Response): string[] => res.body.data.map((j: Job) => j.job_id);

    beforeAll(async () => {
      listOrg = newOrg('jobs-list');
      listAuth = bearer(await t.token(listOrg, { SERVICES: 'READ' }));
      const writer = bearer(await t.token(listOrg, { SERVICES: 'WRITE' }));
      for (const id of ['lt-a', 'lt-b']) {
        expect((await t.http().post('/services/job-types').set(writer).send({ id, name: id, executor: { type: 'builtin', name: 'echo' } })).status).toBe(201);
      }
      // 25 future jobs, scheduled in an order unlike their creation order, over two types and two channels.
      const created: string[] = [];
      for (let i = 0; i < 25; i++) {
        const slot = (i * 7) % 25;
        const res = await t.http().post('/services/agent-jobs').set(writer).send({
          target_channel: { org_id: listOrg, platform: 'slack', code: i % 2 ? 'C0ODD' : 'C0EVEN' },
          job_type_id: i % 3 ? 'lt-a' : 'lt-b',
          scheduled_at: new Date(base + slot * 60_000).toISOString(),
        });
        expect(res.status).toBe(201);
        created.push(res.body.data.job_id);
      }
      // Three canceled (their updated_at moves), two that run now and complete.
      for (const id of [created[3], created[11], created[19]]) {
        expect((await t.http().delete(`/services/agent-jobs/${id}`).set(writer)).status).toBe(200);
      }
      for (let i = 0; i < 2; i++) {
        const res = await t.http().post('/services/agent-jobs').set(writer)
          .send({ target_channel: { org_id: listOrg, platform: 'webhook', code: 'C-now', data: { url: 'http://127.0.0.1:9/' } }, job_type_id: 'lt-a' });
        expect(res.status).toBe(201);
        created.push(res.body.data.job_id);
      }
      await eventually(async () => {
        const r = await t.http().get('/services/agent-jobs?status=COMPLETED').set(listAuth);
        return r.body.meta.total === 2;
      });
      all = [];
      for (const id of created) all.push((await t.http().get(`/services/agent-jobs/${id}`).set(listAuth)).body.data);
      expect(all).toHaveLength(27);
      const { rows } = await t.db.query(
        `SELECT id, (extract(epoch FROM created_at) * 1000000)::bigint::text AS c, (extract(epoch FROM updated_at) * 1000000)::bigint::text AS u,
                (extract(epoch FROM scheduled_at) * 1000000)::bigint::text AS s FROM jobs WHERE org_id = $1`,
        [listOrg],
      );
      keys = new Map(rows.map((r: { id: string; c: string; u: string; s: string }) =>
        [r.id, { created_at: BigInt(r.c), updated_at: BigInt(r.u), scheduled_at: BigInt(r.s) }]));
    });

    it('defaults: limit 20, offset 0, created_at desc, meta with total and next_cursor', async () => {
      const res = await list();
      expect(res.status).toBe(200);
      expect(res.body.meta).toEqual({
        org_id: listOrg, limit: 20, offset: 0, total: 27, sort: [{ field: 'created_at', direction: 'desc' }], next_cursor: expect.any(String),
      });
      expect(ids(res)).toEqual(sorted('created_at', 'desc', all).slice(0, 20));
      expect(Object.keys(res.body.data[0])).toEqual(expect.arrayContaining(JOB_FIELDS));
      expect(res.body.data[0].tasks.length).toBeGreaterThanOrEqual(1);
    });

    it('limit up to 100; 101 is 400', async () => {
      const res = await list('?limit=100');
      expect(res.body.meta.limit).toBe(100);
      expect(res.body.data).toHaveLength(27);
      expect(res.body.meta.next_cursor).toBeNull();
      expect((await list('?limit=1')).body.data).toHaveLength(1);
      const bad = await list('?limit=101');
      expectProblem(bad, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(bad)).toContain('limit');
    });

    it('offset pages through the same order', async () => {
      const order = sorted('created_at', 'desc', all);
      const page = await list('?offset=20');
      expect(page.body.meta).toEqual(expect.objectContaining({ offset: 20, total: 27, next_cursor: null }));
      expect(ids(page)).toEqual(order.slice(20));
      expect(ids(await list('?offset=5&limit=5'))).toEqual(order.slice(5, 10));
      const beyond = await list('?offset=1000');
      expect(beyond.body.data).toEqual([]);
      expect(beyond.body.meta.total).toBe(27);
    });

    it('filters by status, one or a comma list; a bad status is 400', async () => {
      const byStatus = (s: string[]) => all.filter((j) => s.includes(j.job_status)).map((j) => j.job_id).sort();
      for (const status of ['SCHEDULED', 'CANCELED', 'COMPLETED', 'CANCELED,COMPLETED', 'SCHEDULED,CANCELED,COMPLETED', 'WAITING', 'RUNNING,FAILED']) {
        const res = await list(`?status=${status}&limit=100`);
        expect(res.status).toBe(200);
        expect(ids(res).sort()).toEqual(byStatus(status.split(',')));
        expect(res.body.meta.total).toBe(byStatus(status.split(',')).length);
      }
      expect((await list('?status=SCHEDULED')).body.meta.total).toBe(22);
      expect((await list('?status=CANCELED,COMPLETED')).body.meta.total).toBe(5);
      for (const bad of ['DONE', 'SCHEDULED,NOPE', ',']) {
        const res = await list(`?status=${bad}`);
        expectProblem(res, 400, 'VALIDATION_ERROR');
        expect(fieldsOf(res)).toContain('status');
      }
    });

    it('filters by scheduled_at (exact), scheduled_at_gte and scheduled_at_lte', async () => {
      const target = all[6];
      const exact = await list(`?scheduled_at=${encodeURIComponent(target.scheduled_at)}`);
      expect(ids(exact)).toEqual([target.job_id]);

      const from = base + 10 * 60_000;
      const to = base + 14 * 60_000;
      const expectIds = (pred: (ms: number) => boolean) => all.filter((j) => pred(Date.parse(j.scheduled_at))).map((j) => j.job_id).sort();
      const gte = await list(`?scheduled_at_gte=${new Date(from).toISOString()}&limit=100`);
      expect(ids(gte).sort()).toEqual(expectIds((ms) => ms >= from));
      expect(gte.body.meta.total).toBe(15);
      const lte = await list(`?scheduled_at_lte=${new Date(to).toISOString()}&limit=100`);
      expect(ids(lte).sort()).toEqual(expectIds((ms) => ms <= to));
      const both = await list(`?scheduled_at_gte=${new Date(from).toISOString()}&scheduled_at_lte=${new Date(to).toISOString()}&limit=100`);
      expect(ids(both).sort()).toEqual(expectIds((ms) => ms >= from && ms <= to));
      expect(both.body.meta.total).toBe(5);
      expect((await list(`?scheduled_at_gte=${new Date(to).toISOString()}&scheduled_at_lte=${new Date(from).toISOString()}`)).body.data).toEqual([]);
    });

    it('filters by created_at_gte and created_at_lte', async () => {
      const order = [...all].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
      const pivot = order[10].created_at;
      const gte = await list(`?created_at_gte=${encodeURIComponent(pivot)}&limit=100`);
      expect(ids(gte).sort()).toEqual(all.filter((j) => Date.parse(j.created_at) >= Date.parse(pivot)).map((j) => j.job_id).sort());
      expect(ids(gte)).toContain(order[10].job_id);
      const lte = await list(`?created_at_lte=${encodeURIComponent(pivot)}&limit=100`);
      expect(ids(lte).sort()).toEqual(all.filter((j) => Date.parse(j.created_at) <= Date.parse(pivot)).map((j) => j.job_id).sort());
      expect(ids(lte)).toContain(order[10].job_id);
      expect(gte.body.meta.total + lte.body.meta.total).toBe(28); // the pivot is in both
    });

    it('filters by job_type_id and channel_code, alone and combined', async () => {
      const count = (pred: (j: Job) => boolean) => all.filter(pred).length;
      const a = await list('?job_type_id=lt-a&limit=100');
      expect(a.body.meta.total).toBe(count((j) => j.job_type_id === 'lt-a'));
      expect(a.body.data.every((j: Job) => j.job_type_id === 'lt-a')).toBe(true);
      const odd = await list('?channel_code=C0ODD&limit=100');
      expect(odd.body.meta.total).toBe(12);
      expect(odd.body.data.every((j: Job) => j.channel_code === 'C0ODD')).toBe(true);
      const combined = await list('?channel_code=C0EVEN&job_type_id=lt-b&status=SCHEDULED&limit=100');
      expect(ids(combined).sort()).toEqual(
        all.filter((j) => j.channel_code === 'C0EVEN' && j.job_type_id === 'lt-b' && j.job_status === 'SCHEDULED').map((j) => j.job_id).sort(),
      );
      expect((await list('?job_type_id=unknown')).body.meta.total).toBe(0);
      expect((await list('?channel_code=')).body.meta.total).toBe(0);
    });

    const SORTS: Array<[SortField, 'asc' | 'desc']> = [
      ['created_at', 'asc'], ['created_at', 'desc'], ['updated_at', 'asc'], ['updated_at', 'desc'], ['scheduled_at', 'asc'], ['scheduled_at', 'desc'],
    ];

    it.each(SORTS)('sorts by %s %s', async (field, direction) => {
      const res = await list(`?sort=${field}:${direction}&limit=100&${STABLE}`);
      expect(res.status).toBe(200);
      expect(res.body.meta.sort).toEqual([{ field, direction }]);
      expect(res.body.meta.total).toBe(25);
      expect(ids(res)).toEqual(sorted(field, direction));
    });

    it('the sorts really differ (the data set can tell them apart)', () => {
      expect(sorted('scheduled_at', 'asc')).not.toEqual(sorted('created_at', 'asc'));
      expect(sorted('updated_at', 'asc')).not.toEqual(sorted('created_at', 'asc'));
    });

    it('sort without direction means desc; a bad sort is 400', async () => {
      const res = await list(`?sort=scheduled_at&limit=100&${STABLE}`);
      expect(res.body.meta.sort).toEqual([{ field: 'scheduled_at', direction: 'desc' }]);
      expect(ids(res)).toEqual(sorted('scheduled_at', 'desc'));
      for (const bad of ['job_status:asc', 'created_at:up', 'created_at:asc:extra', 'id', '']) {
        const r = await list(`?sort=${encodeURIComponent(bad)}`);
        expectProblem(r, 400, 'VALIDATION_ERROR');
        expect(fieldsOf(r)).toContain('sort');
      }
    });

    it.each(SORTS)('keyset pages (limit 10, %s %s) cover every job once, in order', async (field, direction) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const q: string = `?${STABLE}&sort=${field}:${direction}&limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await list(q);
        expect(res.status).toBe(200);
        expect(res.body.meta).toEqual(expect.objectContaining({ total: 25, limit: 10, offset: 0, sort: [{ field, direction }] }));
        seen.push(...ids(res));
        cursor = res.body.meta.next_cursor;
        pages++;
        if (pages < 3) expect(res.body.data).toHaveLength(10);
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(cursor).toBeNull();
      expect(seen).toEqual(sorted(field, direction));
      expect(new Set(seen).size).toBe(25);
    });

    it('keyset paging honours the filters', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: Response = await list(`?status=SCHEDULED&limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(res.status).toBe(200);
        seen.push(...ids(res));
        cursor = res.body.meta.next_cursor;
      } while (cursor);
      expect(seen).toEqual(sorted('created_at', 'desc', all.filter((j) => j.job_status === 'SCHEDULED')));
      expect(seen).toHaveLength(22);
    });

    it('a tampered or foreign cursor is 400', async () => {
      const first = await list(`?${STABLE}&limit=10&sort=scheduled_at:asc`);
      const cursor: string = first.body.meta.next_cursor;
      const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      const variants = [
        `${cursor.slice(0, -3)}!!!`,
        'not-a-cursor',
        Buffer.from('{"v":1}').toString('base64url'),
        Buffer.from(JSON.stringify({ ...decoded, v: "2024-01-01'; DROP TABLE jobs; --" })).toString('base64url'),
        Buffer.from(JSON.stringify({ ...decoded, f: 'status' })).toString('base64url'),
        Buffer.from(JSON.stringify({ ...decoded, d: 'sideways' })).toString('base64url'),
        Buffer.from(JSON.stringify({ ...decoded, t: 'many' })).toString('base64url'),
      ];
      for (const bad of variants) {
        const res = await list(`?limit=10&sort=scheduled_at:asc&cursor=${encodeURIComponent(bad)}`);
        expectProblem(res, 400, 'VALIDATION_ERROR');
        expect(fieldsOf(res)).toContain('cursor');
      }
      // The cursor is bound to its sort.
      for (const sort of ['scheduled_at:desc', 'created_at:asc', 'updated_at:asc']) {
        const res = await list(`?limit=10&sort=${sort}&cursor=${encodeURIComponent(cursor)}`);
        expectProblem(res, 400, 'VALIDATION_ERROR');
        expect(fieldsOf(res)).toContain('cursor');
      }
      const withOffset = await list(`?limit=10&sort=scheduled_at:asc&offset=5&cursor=${encodeURIComponent(cursor)}`);
      expectProblem(withOffset, 400, 'VALIDATION_ERROR');
      // The untouched cursor still works.
      const ok = await list(`?${STABLE}&limit=10&sort=scheduled_at:asc&cursor=${encodeURIComponent(cursor)}`);
      expect(ids(ok)).toEqual(sorted('scheduled_at', 'asc').slice(10, 20));
    });

    it("a cursor from another org's list is 400 and shows nothing of that org", async () => {
      const first = await list('?limit=10');
      const res = await t.http().get(`/services/agent-jobs?limit=10&cursor=${encodeURIComponent(first.body.meta.next_cursor)}`).set(auth);
      // Cursors are signed for the org they were made for (docs/decisions.md, Listing).
      expectProblem(res, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(res)).toEqual(['cursor']);
      expect(res.body.data).toBeUndefined();
    });
  });

  describe('one job, its events, cancel', () => {
    it('GET /:id includes the tasks of a finished job', async () => {
      const res = await create(body({ params: { ping: 'pong' } }));
      const job = await waitFor(res.body.data.job_id, 'COMPLETED');
      expect(job.result).toEqual({ ping: 'pong' });
      expect(job.error).toBeNull();
      const tasks = job.tasks as Array<Record<string, unknown>>;
      expect(tasks).toHaveLength(1);
      expect(tasks[0]).toEqual(expect.objectContaining({
        task_id: res.body.data.tasks[0].task_id, kind: 'initial', attempt: 1, status: 'COMPLETED',
        created_at: expect.stringMatching(ISO), started_at: expect.stringMatching(ISO), finished_at: expect.stringMatching(ISO),
        result: { ping: 'pong' }, error: null,
      }));
      expect(Date.parse(tasks[0].finished_at as string)).toBeGreaterThanOrEqual(Date.parse(tasks[0].started_at as string));
      expect(Date.parse(job.completed_at as string)).toBeGreaterThanOrEqual(Date.parse(job.started_at as string));
    });

    it('events list every transition with from, to, at, actor, reason', async () => {
      const res = await create(body({ params: { e: 1 } }));
      const id = res.body.data.job_id;
      await waitFor(id, 'COMPLETED');
      const ev = await t.http().get(`/services/agent-jobs/${id}/events`).set(auth);
      expect(ev.status).toBe(200);
      const all = ev.body.data as Array<{ from: string | null; to: string; at: string; actor: string; reason: string | null }>;
      expect(ev.body.meta).toEqual(expect.objectContaining({ org_id: org, job_id: id, total: all.length }));
      // Status transitions; the delivery outcome is an event that keeps the status (from = to, actor 'delivery').
      const events = all.filter((e) => e.from !== e.to);
      expect(all.filter((e) => e.from === e.to).every((e) => e.actor === 'delivery')).toBe(true);
      expect(events.map((e) => [e.from, e.to])).toEqual([[null, 'WAITING'], ['WAITING', 'RUNNING'], ['RUNNING', 'COMPLETED']]);
      for (const e of events) {
        expect(Object.keys(e)).toEqual(expect.arrayContaining(['from', 'to', 'at', 'actor', 'reason']));
        expect(e.at).toMatch(ISO);
        expect(typeof e.actor).toBe('string');
      }
      expect(events[0].actor).toBe(`token:${tokenId(token)}`);
      const times = events.map((e) => Date.parse(e.at));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expectProblem(await t.http().get('/services/agent-jobs/job_01jzzzzzzzzzzzzzzzzzzzzzzz/events').set(auth), 404, 'JOB_NOT_FOUND');
    });

    it('cancel with a reason stores cancel_reason and canceled_by, and the event carries the reason', async () => {
      const res = await create(body({ scheduled_at: new Date(Date.now() + HOUR).toISOString() }));
      const id = res.body.data.job_id;
      const before = Date.now();
      const canceled = await t.http().delete(`/services/agent-jobs/${id}`).set(auth).send({ reason: 'customer asked to stop' });
      expect(canceled.status).toBe(200);
      expect(canceled.body).toEqual({ meta: { org_id: org, job_id: id }, message: `Job with ID '${id}' successfully canceled` });

      const job = (await getJob(id)).body.data;
      expect(job).toEqual(expect.objectContaining({
        job_status: 'CANCELED', cancel_reason: 'customer asked to stop', canceled_by: `token:${tokenId(token)}`,
        canceled_at: expect.stringMatching(ISO), started_at: null, result: null,
      }));
      expect(Date.parse(job.canceled_at)).toBeGreaterThanOrEqual(before - 1000);
      expect(job.tasks.every((task: { status: string }) => task.status !== 'PENDING' && task.status !== 'RUNNING')).toBe(true);

      const events = (await t.http().get(`/services/agent-jobs/${id}/events`).set(auth)).body.data;
      expect(events).toHaveLength(2);
      expect(events[1]).toEqual(expect.objectContaining({
        from: 'SCHEDULED', to: 'CANCELED', actor: `token:${tokenId(token)}`, reason: 'customer asked to stop', at: expect.stringMatching(ISO),
      }));

      const listed = await t.http().get('/services/agent-jobs?status=CANCELED&limit=100').set(auth);
      expect(listed.body.data.find((j: Job) => j.job_id === id)).toEqual(expect.objectContaining({ cancel_reason: 'customer asked to stop' }));
    });

    it('cancel without a body stores no reason; the token that canceled is recorded', async () => {
      const other = await t.token(org, { SERVICES: 'ADMIN' });
      const res = await create(body({ scheduled_at: new Date(Date.now() + HOUR).toISOString() }));
      const id = res.body.data.job_id;
      expect((await t.http().delete(`/services/agent-jobs/${id}`).set(bearer(other))).status).toBe(200);
      const job = (await getJob(id)).body.data;
      expect(job).toEqual(expect.objectContaining({ job_status: 'CANCELED', cancel_reason: null, canceled_by: `token:${tokenId(other)}` }));
      const events = (await t.http().get(`/services/agent-jobs/${id}/events`).set(auth)).body.data;
      expect(events[1]).toEqual(expect.objectContaining({ to: 'CANCELED', reason: null, actor: `token:${tokenId(other)}` }));
    });
  });
});
