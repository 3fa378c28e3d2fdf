import type { Response } from 'supertest';
import { expectProblem, fieldsOf } from '../support/problem';
import { bearer, eventually, inAnHour, newOrg, startTestApp, TestApp } from '../support/test-app';

function expectFieldError(res: Response, field: string | RegExp): void {
  expectProblem(res, 400);
  expect(res.body.errors).toEqual(expect.arrayContaining([
    expect.objectContaining({ field: typeof field === 'string' ? field : expect.stringMatching(field), message: expect.any(String) }),
  ]));
}

describe('errors', () => {
  let t: TestApp;
  let org: string;
  let auth: Record<string, string>;
  const channel = () => ({ org_id: org, platform: 'slack', code: 'C0ERR' });
  const validJob = (extra: Record<string, unknown> = {}) => ({ target_channel: channel(), job_type_id: 'echo', ...extra });
  const postJob = (body: unknown, query = '') => t.http().post(`/services/agent-jobs${query}`).set(auth).send(body as object);

  beforeAll(async () => {
    t = await startTestApp();
    org = newOrg('errors');
    auth = bearer(await t.token(org, { SERVICES: 'ADMIN' }));
    for (const body of [
      { id: 'echo', name: 'Echo', executor: { type: 'builtin', name: 'echo' } },
      {
        id: 'strict', name: 'Strict', executor: { type: 'builtin', name: 'echo' },
        params_schema: {
          type: 'object', additionalProperties: false, required: ['customer'],
          properties: { customer: { type: 'object', required: ['email'], properties: { email: { type: 'string', format: 'email' } } }, count: { type: 'integer', minimum: 1 } },
        },
      },
    ]) expect((await t.http().post('/services/job-types').set(auth).send(body)).status).toBe(201);
  });
  afterAll(async () => { await t?.close(); });

  describe('request bodies', () => {
    it('malformed JSON is 400 MALFORMED_JSON', async () => {
      for (const raw of ['{"target_channel":', '{bad json}', "{'single': 'quotes'}", '{"a":1}trailing', '"just a string"', '42']) {
        const res = await t.http().post('/services/agent-jobs').set(auth).set('Content-Type', 'application/json').send(raw);
        expectProblem(res, 400, 'MALFORMED_JSON');
      }
      // Also before authentication: nobody gets a 500 for a broken body.
      const anon = await t.http().post('/services/job-types').set('Content-Type', 'application/json').send('{"id":');
      expectProblem(anon, 400, 'MALFORMED_JSON');
    });

    it('a JSON array or null body is a 400, not a 500', async () => {
      for (const raw of ['[]', '[{"job_type_id":"echo"}]', 'null']) {
        const res = await t.http().post('/services/agent-jobs').set(auth).set('Content-Type', 'application/json').send(raw);
        expectProblem(res, 400);
      }
    });

    it('a body that is not JSON is a 4xx problem', async () => {
      const res = await t.http().post('/services/agent-jobs').set(auth).set('Content-Type', 'text/plain').send('hello');
      expect([400, 415]).toContain(res.status);
      expectProblem(res, res.status);
    });

    it('a body over 1 MB is 413 PAYLOAD_TOO_LARGE', async () => {
      const big = validJob({ params: { blob: 'x'.repeat(1024 * 1024 + 10) } });
      expectProblem(await postJob(big), 413, 'PAYLOAD_TOO_LARGE');
      // Just under the cap is parsed normally (here accepted).
      const under = await postJob(validJob({ params: { blob: 'x'.repeat(1000 * 1000) }, scheduled_at: inAnHour() }));
      expect(under.status).toBe(201);
    });

    it('an unknown body field is 400 VALIDATION_ERROR naming it', async () => {
      const res = await postJob(validJob({ surprise: true }));
      expectProblem(res, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(res)).toContain('surprise');
      const nested = await postJob({ ...validJob(), target_channel: { ...channel(), extra_field: 1 } });
      expectProblem(nested, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(nested)).toContain('target_channel.extra_field');
      const cancel = await t.http().delete('/services/agent-jobs/job_01jzzzzzzzzzzzzzzzzzzzzzzz').set(auth).send({ reason: 'x', force: true });
      expectProblem(cancel, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(cancel)).toContain('force');
      const jobType = await t.http().post('/services/job-types').set(auth).send({ id: 'x1', name: 'x', executor: { type: 'builtin', name: 'echo' }, color: 'red' });
      expectProblem(jobType, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(jobType)).toContain('color');
    });

    it.each([
      ['params as a string', { params: 'not-an-object' }, 'params'],
      ['params as an array', { params: [1, 2] }, 'params'],
      ['scheduled_at "tomorrow"', { scheduled_at: 'tomorrow' }, 'scheduled_at'],
      ['scheduled_at an impossible date', { scheduled_at: '2030-02-30T10:00:00Z' }, 'scheduled_at'],
      ['scheduled_at a number', { scheduled_at: 1767225600000 }, 'scheduled_at'],
      ['config.max_task_retries -1', { config: { max_task_retries: -1 } }, 'config.max_task_retries'],
      ['config.max_task_retries "3"', { config: { max_task_retries: '3' } }, 'config.max_task_retries'],
      ['config.max_task_retries 1.5', { config: { max_task_retries: 1.5 } }, 'config.max_task_retries'],
      ['config unknown key', { config: { turbo: true } }, 'config.turbo'],
      ['config as a string', { config: 'fast' }, 'config'],
      ['job_type_id a number', { job_type_id: 12 }, 'job_type_id'],
      ['metadata as an array', { metadata: ['a'] }, 'metadata'],
      ['callback_url a number', { callback_url: 5 }, 'callback_url'],
      ['observers not an array', { observers: { type: 'webhook' } }, 'observers'],
      ['observer with a bad event', { observers: [{ type: 'webhook', url: 'http://127.0.0.1:9/x', events: ['exploded'] }] }, /^observers\.0\.events/],
      ['parent_job_id an object', { parent_job_id: { $ne: null } }, 'parent_job_id'],
    ])('wrong type: %s is 400 with a field error', async (_label, extra, field) => {
      const res = await postJob(validJob(extra));
      expectFieldError(res, field as string | RegExp);
      expect(res.body.code).toBe('VALIDATION_ERROR');
    });

    it.each([
      ['missing', undefined, /^target_channel/],
      ['null', null, /^target_channel/],
      ['a string', 'C123', /^target_channel/],
      ['without code', { org_id: 'x', platform: 'slack' }, 'target_channel.code'],
      ['with an unknown platform', { org_id: 'x', platform: 'carrier-pigeon', code: 'C1' }, 'target_channel.platform'],
    ])('target_channel %s is 400', async (_label, value, field) => {
      const body: Record<string, unknown> = { job_type_id: 'echo' };
      if (value !== undefined) body.target_channel = value && typeof value === 'object' ? { ...value, org_id: org } : value;
      const res = await postJob(body);
      expectFieldError(res, field);
    });

    it('an empty body lists every required field', async () => {
      const res = await postJob({});
      expectProblem(res, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(res)).toEqual(expect.arrayContaining(['job_type_id', expect.stringMatching(/^target_channel/)]));
    });

    it("params failing the job type's params_schema are 400 with errors under params", async () => {
      const missing = await postJob(validJob({ job_type_id: 'strict', params: {} }));
      expectProblem(missing, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(missing).every((f) => f === 'params' || f.startsWith('params.'))).toBe(true);
      expect(missing.body.errors.map((e: { message: string }) => e.message).join(' ')).toContain('customer');

      const wrong = await postJob(validJob({ job_type_id: 'strict', params: { customer: { email: 'not-an-email' }, count: 0, extra: 1 } }));
      expectProblem(wrong, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(wrong)).toEqual(expect.arrayContaining(['params.customer.email', 'params.count']));
      expect(wrong.body.errors.map((e: { message: string }) => e.message).join(' ')).toContain('extra');

      const ok = await postJob(validJob({ job_type_id: 'strict', params: { customer: { email: 'a@example.com' }, count: 2 }, scheduled_at: inAnHour() }));
      expect(ok.status).toBe(201);
      // Nothing was stored for the refused requests.
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM jobs WHERE org_id = $1 AND job_type_id = 'strict'`, [org]);
      expect(rows[0].n).toBe(1);
    });
  });

  describe('routes and ids', () => {
    it('an unknown route is 404 problem+json', async () => {
      for (const path of ['/nope', '/services/nope', '/services/agent-jobs/x/y/z/w', '/services/agent-jobs-extra']) {
        expectProblem(await t.http().get(path).set(auth), 404);
        expectProblem(await t.http().get(path), 404);
      }
      expectProblem(await t.http().put('/services/agent-jobs').set(auth).send({}), 404);
    });

    const badIds = [
      ['a well-formed unknown id', 'job_01jzzzzzzzzzzzzzzzzzzzzzzz'],
      ['a path traversal', encodeURIComponent('../../etc/passwd')],
      ['dot segments', '..%2F..%2Fetc'],
      ['a very long id', 'j'.repeat(4000)],
      ['a NUL byte', '%00'],
      ['a NUL byte inside an id', 'job_01%00abc'],
      ['invalid UTF-8', '%C0%AF'],
      ['a broken percent escape', '%ZZ'],
      ['SQL', encodeURIComponent("' OR 1=1 --")],
      ['unicode', encodeURIComponent('job_💩')],
      ['a task id', 'task_01jzzzzzzzzzzzzzzzzzzzzzzz'],
    ];

    it.each(badIds)('GET, events and DELETE of %s are 4xx (404 for readable ids), never 500', async (label, id) => {
      const responses = [
        await t.http().get(`/services/agent-jobs/${id}`).set(auth),
        await t.http().get(`/services/agent-jobs/${id}/events`).set(auth),
        await t.http().delete(`/services/agent-jobs/${id}`).set(auth),
      ];
      for (const res of responses) {
        if (String(label).includes('NUL')) {
          // Postgres cannot hold a NUL byte: no id can contain one.
          expectProblem(res, 404);
        } else if (label === 'a broken percent escape' || label === 'invalid UTF-8') {
          // Not a decodable path: a 400 or a 404 are both honest answers.
          expect([400, 404]).toContain(res.status);
          expectProblem(res, res.status);
        } else {
          expectProblem(res, 404, 'JOB_NOT_FOUND');
        }
      }
    });

    it('job type ids and token ids that are garbage are 404, never 500', async () => {
      for (const id of ['%00', 'x'.repeat(4000), encodeURIComponent('../../etc'), 'job_01%00abc']) {
        expectProblem(await t.http().get(`/services/job-types/${id}`).set(auth), 404);
        expectProblem(await t.http().patch(`/services/job-types/${id}`).set(auth).send({ name: 'n' }), 404);
        expectProblem(await t.http().delete(`/services/job-types/${id}`).set(auth), 404);
        expectProblem(await t.http().delete(`/services/tokens/${id}`).set(auth), 404);
      }
    });

    it('a NUL byte in a body string is refused without a 500', async () => {
      const responses = [
        await postJob(validJob({ job_type_id: 'echo\u0000' })),
        await postJob(validJob({ parent_job_id: 'job_01\u0000' })),
        await postJob(validJob({ params: { text: 'a\u0000b' }, scheduled_at: inAnHour() })),
        await t.http().post('/services/job-types').set(auth).send({ id: 'nul', name: 'a\u0000b', executor: { type: 'builtin', name: 'echo' } }),
        await t.http().get('/services/agent-jobs?channel_code=%00').set(auth),
        await t.http().get('/services/agent-jobs?job_type_id=a%00b').set(auth),
      ];
      // Postgres cannot store a NUL byte in text or JSON: the request is refused as bad input.
      for (const res of responses) expectProblem(res, 400, 'INVALID_VALUE');
      // A Slack channel code is checked for its shape first, so a NUL there is a field error.
      const badCode = await postJob(validJob({ target_channel: { ...channel(), code: 'C\u0000' }, scheduled_at: inAnHour() }));
      expectProblem(badCode, 400, 'VALIDATION_ERROR');
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM jobs WHERE org_id = $1 AND params ? 'text'`, [org]);
      expect(rows[0].n).toBe(0);
    });
  });

  describe('query values', () => {
    it.each(['-1', 'abc', '1.5', '1e3', '', '99999999999'])('delay=%s is 400', async (delay) => {
      const res = await postJob(validJob(), `?delay=${delay}`);
      expectFieldError(res, 'delay');
    });

    it('delay given twice is 400', async () => {
      expectFieldError(await postJob(validJob(), '?delay=1&delay=2'), 'delay');
    });

    it('a valid delay is accepted', async () => {
      const res = await postJob(validJob({ scheduled_at: inAnHour() }), '?delay=0');
      expect(res.status).toBe(201);
    });

    it.each([
      ['status=DONE', 'status'],
      ['status=', 'status'],
      ['scheduled_at=tomorrow', 'scheduled_at'],
      ['scheduled_at_gte=2024-13-45', 'scheduled_at_gte'],
      ['created_at_lte=yesterday', 'created_at_lte'],
      ['created_at_gte=2024-02-30T00:00:00Z', 'created_at_gte'],
      ['limit=0', 'limit'],
      ['limit=-5', 'limit'],
      ['limit=abc', 'limit'],
      ['offset=-1', 'offset'],
      ['sort=name:asc', 'sort'],
      ['sort=created_at:sideways', 'sort'],
      ['cursor=%00%00', 'cursor'],
      ['limit=1&limit=2', 'limit'],
    ])('list filter %s is 400 naming %s', async (query, field) => {
      expectFieldError(await t.http().get(`/services/agent-jobs?${query}`).set(auth), field);
    });
  });

  describe('state conflicts', () => {
    it('cancel of a terminal job is 409 JOB_ALREADY_TERMINAL', async () => {
      const done = await postJob(validJob({ params: { n: 1 } }));
      expect(done.status).toBe(201);
      const id = done.body.data.job_id;
      await eventually(async () => (await t.http().get(`/services/agent-jobs/${id}`).set(auth)).body.data.job_status === 'COMPLETED');
      const res = await t.http().delete(`/services/agent-jobs/${id}`).set(auth).send({ reason: 'too late' });
      expectProblem(res, 409, 'JOB_ALREADY_TERMINAL');
      const after = await t.http().get(`/services/agent-jobs/${id}`).set(auth);
      expect(after.body.data).toEqual(expect.objectContaining({ job_status: 'COMPLETED', cancel_reason: null, canceled_by: null }));

      const scheduled = await postJob(validJob({ scheduled_at: inAnHour() }));
      const sid = scheduled.body.data.job_id;
      expect((await t.http().delete(`/services/agent-jobs/${sid}`).set(auth).send({ reason: 'first' })).status).toBe(200);
      expectProblem(await t.http().delete(`/services/agent-jobs/${sid}`).set(auth).send({ reason: 'second' }), 409, 'JOB_ALREADY_TERMINAL');
      const canceled = await t.http().get(`/services/agent-jobs/${sid}`).set(auth);
      expect(canceled.body.data).toEqual(expect.objectContaining({ job_status: 'CANCELED', cancel_reason: 'first' }));
    });
  });

  describe('outbound URL rules where private networks are allowed', () => {
    // These run before the strict app below starts: passport keeps one process-wide 'jwt' strategy,
    // so once a second app is created in this process, bearer tokens are checked against its database.
    const httpType = (id: string, url: string) => ({ id, name: id, executor: { type: 'http', url } });

    it('a private agent URL is accepted when the operator allows private networks', async () => {
      const res = await t.http().post('/services/job-types').set(auth).send(httpType('private-ok', 'http://127.0.0.1:9/agent'));
      expect(res.status).toBe(201);
    });

    it('a non-http URL is refused on any setting', async () => {
      for (const url of ['file:///etc/passwd', 'gopher://127.0.0.1:70/']) {
        const res = await t.http().post('/services/job-types').set(auth).send(httpType('file', url));
        expectProblem(res, 400);
        expect(fieldsOf(res)).toEqual(['executor.url']);
      }
    });
  });

  describe('outbound URL rules', () => {
    let strict: TestApp;
    let strictAuth: Record<string, string>;
    let strictOrg: string;

    beforeAll(async () => {
      strict = await startTestApp({ env: { OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'false' }, withWorker: false });
      strictOrg = newOrg('errors-strict');
      strictAuth = bearer(await strict.token(strictOrg, { SERVICES: 'WRITE' }));
    });
    afterAll(async () => { await strict?.close(); });

    const httpType = (id: string, url: string) => ({ id, name: id, executor: { type: 'http', url } });

    it.each([
      'http://127.0.0.1',
      'http://127.0.0.1:8080/agent',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:a9fe:a9fe]/',
      'http://[::1]:3000/',
      'http://10.1.2.3/',
      'http://192.168.0.10/',
      'http://0x7f000001/',
      'http://2130706433/',
      'http://0.0.0.0/',
      'http://localhost:3000/',
      'http://user:secret@93.184.215.14/',
    ])('a job type whose agent URL is %s is 400 OUTBOUND_URL_REFUSED', async (url) => {
      const res = await strict.http().post('/services/job-types').set(strictAuth).send(httpType('refused', url));
      expectProblem(res, 400, 'OUTBOUND_URL_REFUSED');
      expect(fieldsOf(res)).toEqual(['executor.url']);
      expectProblem(await strict.http().get('/services/job-types/refused').set(strictAuth), 404, 'JOB_TYPE_NOT_FOUND');
    });

    it('a non-http URL (file:///etc/passwd) is refused with a 400 on executor.url', async () => {
      for (const url of ['file:///etc/passwd', 'gopher://127.0.0.1:70/', 'ftp://example.com/x']) {
        const res = await strict.http().post('/services/job-types').set(strictAuth).send(httpType('file', url));
        // Not an http(s) URL at all: a shape error, refused on any setting (also checked on the permissive app below).
        expectProblem(res, 400);
        expect(['VALIDATION_ERROR', 'OUTBOUND_URL_REFUSED']).toContain(res.body.code);
        expect(fieldsOf(res)).toEqual(['executor.url']);
      }
    });

    it('a public literal address is accepted, and a later PATCH to a private one is refused', async () => {
      const ok = await strict.http().post('/services/job-types').set(strictAuth).send(httpType('public', 'http://93.184.215.14/agent'));
      expect(ok.status).toBe(201);
      const patch = await strict.http().patch('/services/job-types/public').set(strictAuth)
        .send({ executor: { type: 'http', url: 'http://169.254.169.254/' } });
      expectProblem(patch, 400, 'OUTBOUND_URL_REFUSED');
      const after = await strict.http().get('/services/job-types/public').set(strictAuth);
      expect(after.body.data.executor.url).toBe('http://93.184.215.14/agent');
    });

    it('callback_url and observer URLs on private addresses are refused', async () => {
      const jt = await strict.http().post('/services/job-types').set(strictAuth).send({ id: 'echo', name: 'e', executor: { type: 'builtin', name: 'echo' } });
      expect(jt.status).toBe(201);
      const base = { target_channel: { org_id: strictOrg, platform: 'slack', code: 'C1' }, job_type_id: 'echo' };
      const cb = await strict.http().post('/services/agent-jobs').set(strictAuth).send({ ...base, callback_url: 'http://127.0.0.1:9/hook' });
      expectProblem(cb, 400, 'OUTBOUND_URL_REFUSED');
      expect(fieldsOf(cb)).toEqual(['callback_url']);
      const obs = await strict.http().post('/services/agent-jobs').set(strictAuth)
        .send({ ...base, observers: [{ type: 'webhook', url: 'http://[::ffff:127.0.0.1]/x', events: ['completed'] }] });
      expectProblem(obs, 400, 'OUTBOUND_URL_REFUSED');
      expect(fieldsOf(obs)).toEqual(['observers.0.url']);
      const { rows } = await strict.db.query(`SELECT count(*)::int AS n FROM jobs`);
      expect(rows[0].n).toBe(0);
    });
  });
});
