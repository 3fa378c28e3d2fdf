import { SERVICE_DEFAULT_CONFIG } from '../../libs/job-types/src/job-config';
import { expectProblem, fieldsOf } from '../support/problem';
import { bearer, inAnHour, newOrg, startTestApp, TestApp } from '../support/test-app';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('job types', () => {
  let t: TestApp;
  let org: string;
  let auth: Record<string, string>;
  const post = (body: object) => t.http().post('/services/job-types').set(auth).send(body);
  const get = (id: string) => t.http().get(`/services/job-types/${id}`).set(auth);
  const patch = (id: string, body: object) => t.http().patch(`/services/job-types/${id}`).set(auth).send(body);
  const del = (id: string) => t.http().delete(`/services/job-types/${id}`).set(auth);
  const createJob = (jobTypeId: string, extra: Record<string, unknown> = {}) => t.http().post('/services/agent-jobs').set(auth)
    .send({ target_channel: { org_id: org, platform: 'slack', code: 'C0JT' }, job_type_id: jobTypeId, ...extra });

  beforeAll(async () => {
    t = await startTestApp();
    org = newOrg('jobtypes');
    auth = bearer(await t.token(org, { SERVICES: 'WRITE' }));
  });
  afterAll(async () => { await t?.close(); });

  describe('create', () => {
    it('creates a builtin job type: 201, the full representation, the signing secret once', async () => {
      const body = {
        id: 'summarize', name: 'Summarize', description: 'Summarizes a thread',
        executor: { type: 'builtin', name: 'echo' },
        params_schema: { type: 'object', properties: { thread: { type: 'string' } }, required: ['thread'] },
        output_schema: { type: 'object' },
        default_config: { max_task_retries: 4, start_prompt: 'Be brief' },
      };
      const before = Date.now();
      const res = await post(body);
      expect(res.status).toBe(201);
      expect(res.body.meta).toEqual({ org_id: org, id: 'summarize' });
      expect(res.body.data).toEqual({
        id: 'summarize', org_id: org, name: 'Summarize', description: 'Summarizes a thread',
        executor: { type: 'builtin', name: 'echo' },
        params_schema: body.params_schema, output_schema: body.output_schema, default_config: body.default_config,
        created_at: expect.stringMatching(ISO), updated_at: expect.stringMatching(ISO),
        signing_secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{40,}={0,2}$/),
      });
      expect(Date.parse(res.body.data.created_at)).toBeGreaterThanOrEqual(before - 1000);
      const secret: string = res.body.data.signing_secret;

      const fetched = await get('summarize');
      expect(fetched.status).toBe(200);
      expect(fetched.body.meta).toEqual({ org_id: org, id: 'summarize' });
      expect(fetched.body.data).not.toHaveProperty('signing_secret');
      const { signing_secret: _, ...withoutSecret } = res.body.data;
      expect(fetched.body.data).toEqual(withoutSecret);
      expect(fetched.text).not.toContain(secret);

      const list = await t.http().get('/services/job-types').set(auth);
      expect(list.text).not.toContain(secret);
      expect(list.body.data.find((x: { id: string }) => x.id === 'summarize')).not.toHaveProperty('signing_secret');

      // Sealed at rest: the stored value is not the secret and does not contain it.
      const { rows } = await t.db.query(`SELECT signing_secret FROM job_types WHERE org_id = $1 AND id = 'summarize'`, [org]);
      expect(rows[0].signing_secret).toMatch(/^v1\./);
      expect(rows[0].signing_secret).not.toContain(secret.slice('whsec_'.length));
    });

    it('creates an http job type with the default timeout and a distinct secret per type', async () => {
      const a = await post({ id: 'remote-a', name: 'Remote A', executor: { type: 'http', url: 'http://127.0.0.1:9/agent' } });
      expect(a.status).toBe(201);
      expect(a.body.data.executor).toEqual({ type: 'http', url: 'http://127.0.0.1:9/agent', timeout_seconds: 30 });
      expect(a.body.data).toEqual(expect.objectContaining({ description: null, params_schema: null, output_schema: null, default_config: {} }));
      const b = await post({ id: 'remote-b', name: 'Remote B', executor: { type: 'http', url: 'https://agents.example.com/run', timeout_seconds: 120 } });
      expect(b.status).toBe(201);
      expect(b.body.data.executor.timeout_seconds).toBe(120);
      expect(b.body.data.signing_secret).not.toBe(a.body.data.signing_secret);
    });

    it('a duplicate id is 409 JOB_TYPE_EXISTS and the original stays', async () => {
      expect((await post({ id: 'dup', name: 'First', executor: { type: 'builtin', name: 'echo' } })).status).toBe(201);
      expectProblem(await post({ id: 'dup', name: 'Second', executor: { type: 'builtin', name: 'echo' } }), 409, 'JOB_TYPE_EXISTS');
      expect((await get('dup')).body.data.name).toBe('First');
    });

    it.each([
      ['params_schema {"type": 12}', { params_schema: { type: 12 } }, 'params_schema'],
      ['params_schema with an unknown type name', { params_schema: { type: 'banana' } }, 'params_schema'],
      ['params_schema as an array', { params_schema: [{ type: 'object' }] }, 'params_schema'],
      ['params_schema as a string', { params_schema: '{"type":"object"}' }, 'params_schema'],
      ['output_schema {"minimum": "x"}', { output_schema: { type: 'number', minimum: 'x' } }, 'output_schema'],
      ['an unknown builtin', { executor: { type: 'builtin', name: 'does-not-exist' } }, 'executor.name'],
      ['a builtin without name', { executor: { type: 'builtin' } }, 'executor.name'],
      ['an http executor without url', { executor: { type: 'http' } }, 'executor.url'],
      ['an http executor with a relative url', { executor: { type: 'http', url: '/agent' } }, 'executor.url'],
      ['an http executor with timeout 0', { executor: { type: 'http', url: 'http://127.0.0.1:9/', timeout_seconds: 0 } }, 'executor.timeout_seconds'],
      ['an http executor with timeout "30"', { executor: { type: 'http', url: 'http://127.0.0.1:9/', timeout_seconds: '30' } }, 'executor.timeout_seconds'],
      ['an executor with an unknown field', { executor: { type: 'builtin', name: 'echo', shell: 'rm -rf /' } }, 'executor.shell'],
      ['an executor of unknown type', { executor: { type: 'lambda', arn: 'x' } }, 'executor.type'],
      ['a missing executor', { executor: undefined }, 'executor'],
      ['default_config with a negative retry count', { default_config: { max_task_retries: -1 } }, 'default_config.max_task_retries'],
      ['default_config with an unknown key', { default_config: { colour: 'blue' } }, 'default_config.colour'],
      ['an id with a space', { id: 'has space' }, 'id'],
      ['an id starting with a dash', { id: '-x' }, 'id'],
      ['an id of 101 characters', { id: 'a'.repeat(101) }, 'id'],
      ['an id with a slash', { id: 'a/b' }, 'id'],
      ['a missing name', { name: undefined }, 'name'],
      ['an empty name', { name: '' }, 'name'],
      ['an unknown field', { owner: 'me' }, 'owner'],
    ])('%s is 400 naming the field', async (_label, override, field) => {
      const body: Record<string, unknown> = { id: 'invalid-type', name: 'Invalid', executor: { type: 'builtin', name: 'echo' }, ...override };
      const res = await post(body);
      expectProblem(res, 400);
      expect(fieldsOf(res)).toContain(field);
      expectProblem(await get('invalid-type'), 404, 'JOB_TYPE_NOT_FOUND');
    });
  });

  describe('read, update, delete', () => {
    it('lists the org types, newest first, with meta', async () => {
      const ids = ['list-1', 'list-2', 'list-3'];
      for (const id of ids) expect((await post({ id, name: id, executor: { type: 'builtin', name: 'echo' } })).status).toBe(201);
      const res = await t.http().get('/services/job-types').set(auth);
      expect(res.status).toBe(200);
      expect(res.body.meta).toEqual({ org_id: org, total: res.body.data.length });
      const listed: string[] = res.body.data.map((x: { id: string }) => x.id);
      expect(listed.filter((id) => ids.includes(id))).toEqual(['list-3', 'list-2', 'list-1']);
      const { rows } = await t.db.query(`SELECT id FROM job_types WHERE org_id = $1`, [org]);
      expect(listed.sort()).toEqual(rows.map((r: { id: string }) => r.id).sort());
    });

    it('GET of an unknown id is 404 JOB_TYPE_NOT_FOUND', async () => {
      expectProblem(await get('never-created'), 404, 'JOB_TYPE_NOT_FOUND');
    });

    it('patches name, description, default_config and executor', async () => {
      const created = await post({ id: 'patchable', name: 'Before', description: 'old', executor: { type: 'builtin', name: 'echo' }, default_config: { max_follow_ups: 1 } });
      expect(created.status).toBe(201);
      await new Promise((r) => setTimeout(r, 5)); // let updated_at move on a fast machine

      const res = await patch('patchable', { name: 'After', description: null, default_config: { max_task_retries: 6, task_retry_interval: 5 } });
      expect(res.status).toBe(200);
      expect(res.body.meta).toEqual({ org_id: org, id: 'patchable' });
      expect(res.body.data).toEqual(expect.objectContaining({
        id: 'patchable', name: 'After', description: null, executor: { type: 'builtin', name: 'echo' },
        default_config: { max_task_retries: 6, task_retry_interval: 5 }, created_at: created.body.data.created_at,
      }));
      expect(res.body.data).not.toHaveProperty('signing_secret');
      expect(Date.parse(res.body.data.updated_at)).toBeGreaterThan(Date.parse(created.body.data.updated_at));

      const exec = await patch('patchable', { executor: { type: 'http', url: 'http://127.0.0.1:9/v2', timeout_seconds: 10 } });
      expect(exec.status).toBe(200);
      expect(exec.body.data.executor).toEqual({ type: 'http', url: 'http://127.0.0.1:9/v2', timeout_seconds: 10 });
      expect(exec.body.data.name).toBe('After');

      const fetched = await get('patchable');
      expect(fetched.body.data).toEqual(exec.body.data);
    });

    it('a job created after a patch uses the new default_config', async () => {
      expect((await post({ id: 'defaults', name: 'Defaults', executor: { type: 'builtin', name: 'echo' }, default_config: { max_follow_ups: 9 } })).status).toBe(201);
      const first = await createJob('defaults', { scheduled_at: inAnHour() });
      expect(first.body.data.config).toEqual({ ...SERVICE_DEFAULT_CONFIG, max_follow_ups: 9 });
      expect((await patch('defaults', { default_config: { max_time_to_complete: 60 } })).status).toBe(200);
      const second = await createJob('defaults', { scheduled_at: inAnHour() });
      expect(second.body.data.config).toEqual({ ...SERVICE_DEFAULT_CONFIG, max_time_to_complete: 60 });
      // Jobs keep the config they were created with.
      expect((await t.http().get(`/services/agent-jobs/${first.body.data.job_id}`).set(auth)).body.data.config.max_follow_ups).toBe(9);
    });

    it('an invalid patch is 400 and changes nothing', async () => {
      expect((await post({ id: 'stable', name: 'Stable', executor: { type: 'builtin', name: 'echo' } })).status).toBe(201);
      const before = (await get('stable')).body.data;
      for (const [body, field] of [
        [{ name: 'New', params_schema: { type: 12 } }, 'params_schema'],
        [{ executor: { type: 'http' } }, 'executor.url'],
        [{ executor: { type: 'builtin', name: 'nope' } }, 'executor.name'],
        [{ default_config: { max_follow_ups: 'many' } }, 'default_config.max_follow_ups'],
        [{ id: 'renamed' }, 'id'],
        [{ signing_secret: 'whsec_mine' }, 'signing_secret'],
        [{ name: '' }, 'name'],
      ] as Array<[object, string]>) {
        const res = await patch('stable', body);
        expectProblem(res, 400);
        expect(fieldsOf(res)).toContain(field);
      }
      expect((await get('stable')).body.data).toEqual(before);
      expectProblem(await patch('never-created', { name: 'x' }), 404, 'JOB_TYPE_NOT_FOUND');
    });

    it('deletes: 200, then 404 on GET, PATCH and DELETE', async () => {
      expect((await post({ id: 'doomed', name: 'Doomed', executor: { type: 'builtin', name: 'echo' } })).status).toBe(201);
      const res = await del('doomed');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ meta: { org_id: org, id: 'doomed' }, message: "Job type with ID 'doomed' successfully deleted" });
      expectProblem(await get('doomed'), 404, 'JOB_TYPE_NOT_FOUND');
      expectProblem(await patch('doomed', { name: 'x' }), 404, 'JOB_TYPE_NOT_FOUND');
      expectProblem(await del('doomed'), 404, 'JOB_TYPE_NOT_FOUND');
      expect((await t.http().get('/services/job-types').set(auth)).body.data.map((x: { id: string }) => x.id)).not.toContain('doomed');
      expectProblem(await createJob('doomed'), 404, 'JOB_TYPE_NOT_FOUND');
      // The id is free again.
      expect((await post({ id: 'doomed', name: 'Reborn', executor: { type: 'builtin', name: 'echo' } })).status).toBe(201);
    });

    it('delete while a job of the type is not finished is 409 JOB_TYPE_IN_USE; after cancel it works', async () => {
      expect((await post({ id: 'busy', name: 'Busy', executor: { type: 'builtin', name: 'echo' } })).status).toBe(201);
      const job = await createJob('busy', { scheduled_at: inAnHour() });
      expect(job.status).toBe(201);
      expect(job.body.data.job_status).toBe('SCHEDULED');
      expectProblem(await del('busy'), 409, 'JOB_TYPE_IN_USE');
      expect((await get('busy')).status).toBe(200);

      expect((await t.http().delete(`/services/agent-jobs/${job.body.data.job_id}`).set(auth)).status).toBe(200);
      expect((await del('busy')).status).toBe(200);
      // The finished job still reads fine without its type.
      const after = await t.http().get(`/services/agent-jobs/${job.body.data.job_id}`).set(auth);
      expect(after.status).toBe(200);
      expect(after.body.data).toEqual(expect.objectContaining({ job_type_id: 'busy', job_status: 'CANCELED' }));
    });
  });
});
