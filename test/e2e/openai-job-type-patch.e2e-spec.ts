import { expectProblem } from '../support/problem';
import { bearer, newOrg, startTestApp, TestApp } from '../support/test-app';

/**
 * PATCH /services/job-types/:id with an openai executor that create would refuse: the same 400
 * (machine code, a field error naming each bad part), and nothing of the PATCH is kept, neither
 * the executor nor the other fields sent with it, nor the sealed api_key. The deployment refuses
 * private networks (the default), so the outbound rules apply to the URLs.
 */
describe('openai executor: a PATCH that is refused changes nothing', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ withWorker: false, env: { OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'false' } });
  });
  afterAll(async () => t?.close());

  // Public literal addresses: accepted without DNS, never connected to here.
  const PUBLIC = 'https://93.184.216.34/v1';
  const objectParams = { type: 'object', properties: { q: { type: 'string' } } };
  const valid = {
    type: 'openai', base_url: PUBLIC, model: 'gpt-4o-mini', api_key: 'sk-patch-0123456789', system_prompt: 'Be brief.', temperature: 0.3,
    tools: [{ type: 'builtin', name: 'list_jobs' }, { type: 'http', name: 'search', description: 'Search', parameters: objectParams, url: 'https://93.184.216.34/tools/search' }],
  };
  const { api_key: _key, ...sent } = valid;
  const withExecutor = (changes: Record<string, unknown>, drop: string[] = []) =>
    Object.fromEntries(Object.entries({ ...sent, ...changes }).filter(([k]) => !drop.includes(k)));

  /** A fresh org with the job type `jt` (openai, a sealed key); answers what GET and the row say of it. */
  async function setUp() {
    const org = newOrg('oai-patch');
    const auth = bearer(await t.token(org));
    const created = await t.http().post('/services/job-types').set(auth)
      .send({ id: 'jt', name: 'Assistant', description: 'Before', executor: valid, default_config: { max_iterations: 4 } });
    expect(created.status).toBe(201);
    const snapshot = async () => ({
      view: (await t.http().get('/services/job-types/jt').set(auth)).body.data,
      row: (await t.db.query(`SELECT executor, api_key, name, updated_at FROM job_types WHERE org_id = $1 AND id = 'jt'`, [org])).rows[0],
    });
    return { auth, snapshot, before: await snapshot() };
  }

  it.each<[string, Record<string, unknown>, string, Array<{ field: string; message: unknown }>]>([
    ['without a model', withExecutor({}, ['model']), 'VALIDATION_ERROR',
      [{ field: 'executor.model', message: expect.stringContaining('1 to') }]],
    ['with a base_url that is not http(s)', withExecutor({ base_url: 'ftp://models.example.com/v1' }), 'VALIDATION_ERROR',
      [{ field: 'executor.base_url', message: expect.stringContaining('http(s) URL') }]],
    ['with an unknown field', withExecutor({ max_tokens: 100 }), 'VALIDATION_ERROR',
      [{ field: 'executor.max_tokens', message: 'is not a known field' }]],
    ['with several bad parts at once', withExecutor({ model: '', temperature: 3, tools: [{ type: 'http', name: 'search', parameters: objectParams, url: PUBLIC, timeout_seconds: 0 }] }), 'VALIDATION_ERROR', [
      { field: 'executor.model', message: expect.any(String) }, { field: 'executor.temperature', message: expect.any(String) },
      { field: 'executor.tools[0].description', message: expect.any(String) }, { field: 'executor.tools[0].timeout_seconds', message: expect.any(String) },
    ]],
    ['with a loopback base_url (the outbound rules)', withExecutor({ base_url: 'http://127.0.0.1:11434/v1' }), 'OUTBOUND_URL_REFUSED',
      [{ field: 'executor.base_url', message: expect.stringContaining('loopback') }]],
    ['with a tool on a metadata address', withExecutor({ tools: [{ type: 'http', name: 'meta', description: 'x', parameters: objectParams, url: 'http://169.254.169.254/latest' }] }), 'OUTBOUND_URL_REFUSED',
      [{ field: 'executor.tools[0].url', message: expect.stringContaining('metadata') }]],
    ['moving to another origin without sending the key again', withExecutor({ base_url: 'https://93.184.216.35/v1' }), 'VALIDATION_ERROR',
      [{ field: 'executor.api_key', message: expect.stringContaining('another origin') }]],
  ])('an executor %s: 400 with the code and field errors, the job type as it was', async (_what, executor, code, errors) => {
    const { auth, snapshot, before } = await setUp();
    // Other fields ride along: a refused PATCH keeps none of them either.
    const res = await t.http().patch('/services/job-types/jt').set(auth).send({ name: 'Renamed', description: 'After', default_config: { max_iterations: 9 }, executor });
    expectProblem(res, 400, code);
    expect(res.body.errors).toHaveLength(errors.length);
    expect(res.body.errors).toEqual(expect.arrayContaining(errors));

    const after = await snapshot();
    expect(after).toEqual(before);
    expect(after.view).toMatchObject({ name: 'Assistant', description: 'Before', default_config: { max_iterations: 4 } });
    expect(after.view.executor).toEqual({ ...sent, timeout_seconds: 60, api_key_set: true, tools: [sent.tools[0], { ...sent.tools[1], timeout_seconds: 30 }] });
  });

  it('name: null is refused like any bad field (a job type cannot lose its name), not a 500 from the database', async () => {
    const { auth, snapshot, before } = await setUp();
    const res = await t.http().patch('/services/job-types/jt').set(auth).send({ name: null, executor: withExecutor({ model: 'gpt-4.1' }) });
    expectProblem(res, 400, 'VALIDATION_ERROR');
    expect(new Set(res.body.errors.map((e: { field: string }) => e.field))).toEqual(new Set(['name']));
    expect(res.body.errors).toContainEqual({ field: 'name', message: 'name must be a string' });
    expect(await snapshot()).toEqual(before);
  });

  it('the same PATCH with the bad part fixed is taken, key kept (so the refusals above were about that part alone)', async () => {
    const { auth, snapshot, before } = await setUp();
    const res = await t.http().patch('/services/job-types/jt').set(auth).send({ name: 'Renamed', executor: withExecutor({ model: 'gpt-4.1' }) });
    expect(res.status).toBe(200);
    const after = await snapshot();
    expect(after.view).toMatchObject({ name: 'Renamed', executor: { model: 'gpt-4.1', api_key_set: true } });
    expect(after.row.api_key).toBe(before.row.api_key);
  });
});
