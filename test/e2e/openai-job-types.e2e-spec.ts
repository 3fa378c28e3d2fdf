import { expectProblem } from '../support/problem';
import { bearer, newOrg, startTestApp, TestApp } from '../support/test-app';

/**
 * Job types with an openai executor through the API, on a deployment that refuses private
 * networks (the default): validation with field errors, the outbound rules on the model's and
 * the tools' URLs, and an api_key that is sealed, write-only and replaceable.
 */
describe('openai executor: job types', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ withWorker: false, env: { OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'false' } });
  });
  afterAll(async () => t?.close());

  // A public literal address: accepted without DNS, never connected to here.
  const PUBLIC = 'https://93.184.216.34/v1';
  const KEY = 'sk-jobtypes-0123456789abcdef';
  const objectParams = { type: 'object', properties: { q: { type: 'string' } } };

  async function org() {
    const id = newOrg('oai-jt');
    return { org: id, auth: bearer(await t.token(id)) };
  }
  const create = (auth: Record<string, string>, id: string, executor: Record<string, unknown>) =>
    t.http().post('/services/job-types').set(auth).send({ id, name: id, executor });
  const stored = async (orgId: string, id: string) =>
    (await t.db.query(`SELECT executor, api_key FROM job_types WHERE org_id = $1 AND id = $2`, [orgId, id])).rows[0];

  it('creates one: the key is sealed in its own column, never returned (api_key_set), defaults filled in', async () => {
    const { org: o, auth } = await org();
    const res = await create(auth, 'gpt', {
      type: 'openai', base_url: PUBLIC, model: 'gpt-4o-mini', api_key: KEY,
      tools: [{ type: 'builtin', name: 'list_jobs' }, { type: 'http', name: 'search', description: 'Search', parameters: objectParams, url: 'https://93.184.216.34/tools/search' }],
    });
    expect(res.status).toBe(201);
    const executor = {
      type: 'openai', base_url: PUBLIC, model: 'gpt-4o-mini', system_prompt: null, temperature: null, timeout_seconds: 60, api_key_set: true,
      tools: [{ type: 'builtin', name: 'list_jobs' }, { type: 'http', name: 'search', description: 'Search', parameters: objectParams, url: 'https://93.184.216.34/tools/search', timeout_seconds: 30 }],
    };
    expect(res.body.data.executor).toEqual(executor);
    expect((await t.http().get('/services/job-types/gpt').set(auth)).body.data.executor).toEqual(executor);
    expect((await t.http().get('/services/job-types').set(auth)).body.data[0].executor).toEqual(executor);
    for (const body of [res.body, (await t.http().get('/services/job-types/gpt').set(auth)).body]) expect(JSON.stringify(body)).not.toContain(KEY);

    const row = await stored(o, 'gpt');
    expect(row.api_key).toMatch(/^v1\./);
    expect(row.api_key).not.toContain(KEY);
    expect(JSON.stringify(row.executor)).not.toContain(KEY);
    expect(row.executor).not.toHaveProperty('api_key_set');
  });

  it('without api_key (a local server): api_key_set false', async () => {
    const { auth } = await org();
    const res = await create(auth, 'local', { type: 'openai', base_url: PUBLIC, model: 'llama3.1' });
    expect(res.status).toBe(201);
    expect(res.body.data.executor).toMatchObject({ api_key_set: false, tools: [] });
  });

  it('answers 400 with a field error for each bad part', async () => {
    const { auth } = await org();
    const res = await create(auth, 'bad', {
      type: 'openai', base_url: 'ftp://models.example.com', model: '', temperature: 2.5, timeout_seconds: 0, api_key: 'has space', extra: 1,
      tools: [
        { type: 'builtin', name: 'delete_everything' },
        { type: 'http', name: 'bad name!', description: 'x', parameters: objectParams, url: PUBLIC },
        { type: 'http', name: 'dup', description: 'x', parameters: objectParams, url: PUBLIC },
        { type: 'http', name: 'dup', description: 'x', parameters: objectParams, url: PUBLIC },
        { type: 'http', name: 'nodesc', parameters: { type: 'array' }, url: 'not a url' },
        { type: 'http', name: 'lookahead', description: 'x', parameters: { type: 'object', properties: { a: { type: 'string', pattern: '(?=a)' } } }, url: PUBLIC },
        { type: 'mcp', name: 'other' },
      ],
    });
    expectProblem(res, 400, 'VALIDATION_ERROR');
    const fields = (res.body.errors as Array<{ field: string }>).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining([
      'executor.extra', 'executor.base_url', 'executor.model', 'executor.api_key', 'executor.temperature', 'executor.timeout_seconds',
      'executor.tools[0].name', 'executor.tools[1].name', 'executor.tools[3].name', 'executor.tools[4].description', 'executor.tools[4].parameters',
      'executor.tools[4].url', 'executor.tools[5].parameters', 'executor.tools[6].type',
    ]));
    expect(res.body.errors).toContainEqual({ field: 'executor.tools[0].name', message: 'must be one of: list_jobs, get_job, create_subjob, jobs_report' });
    expect(res.body.errors).toContainEqual({ field: 'executor.tools[5].parameters', message: expect.stringContaining('RE2') });

    const tooMany = Array.from({ length: 33 }, (_, i) => ({ type: 'http', name: `t${i}`, description: 'x', parameters: objectParams, url: PUBLIC }));
    expectProblem(await create(auth, 'many', { type: 'openai', base_url: PUBLIC, model: 'm', tools: tooMany }), 400, 'VALIDATION_ERROR');
    expectProblem(await create(auth, 'typo', { type: 'open-ai', base_url: PUBLIC, model: 'm' }), 400, 'VALIDATION_ERROR');
  });

  it('refuses private model and tool URLs (OUTBOUND_URL_REFUSED), naming the field', async () => {
    const { auth } = await org();
    const model = await create(auth, 'private-model', { type: 'openai', base_url: 'http://127.0.0.1:11434/v1', model: 'llama3.1' });
    expectProblem(model, 400, 'OUTBOUND_URL_REFUSED');
    expect(model.body.errors).toEqual([{ field: 'executor.base_url', message: expect.stringContaining('loopback') }]);

    const tool = await create(auth, 'private-tool', {
      type: 'openai', base_url: PUBLIC, model: 'm',
      tools: [{ type: 'http', name: 'meta', description: 'x', parameters: objectParams, url: 'http://169.254.169.254/latest' }],
    });
    expectProblem(tool, 400, 'OUTBOUND_URL_REFUSED');
    expect(tool.body.errors).toEqual([{ field: 'executor.tools[0].url', message: expect.stringContaining('metadata') }]);
  });

  describe('PATCH and the stored key', () => {
    const patch = (auth: Record<string, string>, id: string, executor: Record<string, unknown>) =>
      t.http().patch(`/services/job-types/${id}`).set(auth).send({ executor });

    it('keeps the key when an openai executor is sent without api_key, replaces it when one is sent, removes it with null', async () => {
      const { org: o, auth } = await org();
      expect((await create(auth, 'p', { type: 'openai', base_url: PUBLIC, model: 'a', api_key: KEY })).status).toBe(201);
      const sealed = (await stored(o, 'p')).api_key;

      const kept = await patch(auth, 'p', { type: 'openai', base_url: `${PUBLIC}/other-path`, model: 'b' });
      expect(kept.status).toBe(200);
      expect(kept.body.data.executor).toMatchObject({ model: 'b', api_key_set: true });
      expect((await stored(o, 'p')).api_key).toBe(sealed);

      const replaced = await patch(auth, 'p', { type: 'openai', base_url: PUBLIC, model: 'b', api_key: 'sk-new-key-000' });
      expect(replaced.body.data.executor.api_key_set).toBe(true);
      expect(JSON.stringify(replaced.body)).not.toContain('sk-new-key-000');
      const resealed = (await stored(o, 'p')).api_key;
      expect(resealed).not.toBe(sealed);
      expect(resealed).toMatch(/^v1\./);

      const removed = await patch(auth, 'p', { type: 'openai', base_url: PUBLIC, model: 'b', api_key: null });
      expect(removed.body.data.executor.api_key_set).toBe(false);
      expect((await stored(o, 'p')).api_key).toBeNull();
    });

    it('does not carry the key to another origin unless it is sent again', async () => {
      const { org: o, auth } = await org();
      await create(auth, 'moving', { type: 'openai', base_url: PUBLIC, model: 'a', api_key: KEY });
      const sealed = (await stored(o, 'moving')).api_key;
      const moved = await patch(auth, 'moving', { type: 'openai', base_url: 'https://93.184.216.35/v1', model: 'a' });
      expectProblem(moved, 400, 'VALIDATION_ERROR');
      expect(moved.body.errors).toEqual([{ field: 'executor.api_key', message: expect.stringContaining('another origin') }]);
      expect((await stored(o, 'moving')).api_key).toBe(sealed);

      const withKey = await patch(auth, 'moving', { type: 'openai', base_url: 'https://93.184.216.35/v1', model: 'a', api_key: 'sk-for-the-new-host' });
      expect(withKey.status).toBe(200);
      expect(withKey.body.data.executor).toMatchObject({ base_url: 'https://93.184.216.35/v1', api_key_set: true });
    });

    it('drops the key when the executor stops being openai', async () => {
      const { org: o, auth } = await org();
      await create(auth, 'switch', { type: 'openai', base_url: PUBLIC, model: 'a', api_key: KEY });
      expect((await patch(auth, 'switch', { type: 'builtin', name: 'echo' })).body.data.executor).toEqual({ type: 'builtin', name: 'echo' });
      expect((await stored(o, 'switch')).api_key).toBeNull();
      expect((await patch(auth, 'switch', { type: 'openai', base_url: PUBLIC, model: 'a' })).body.data.executor.api_key_set).toBe(false);
    });
  });
});
