import type { Response, Test } from 'supertest';
import { CallbackTokens } from '../../libs/auth/src';
import { echoTenant } from '../support/jobs';
import { expectProblem, fieldsOf } from '../support/problem';
import { bearer, inAnHour, startTestApp, TestApp } from '../support/test-app';

interface Route {
  method: string;
  path: string;
}

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** Every route the app serves, as Express holds them (Nest registers each handler there). */
function registeredRoutes(t: TestApp): Route[] {
  const stack: RouterLayer[] = t.app.getHttpAdapter().getInstance().router.stack;
  return stack.flatMap((layer) => (layer.route
    ? Object.keys(layer.route.methods).map((method) => ({ method, path: layer.route!.path }))
    : []));
}

describe('query parameters', () => {
  let t: TestApp;
  let org: string;
  let admin: Record<string, string>;
  const channel = () => ({ org_id: org, platform: 'slack', code: 'C0QUERY' });
  const jobBody = (extra: Record<string, unknown> = {}) => ({ target_channel: channel(), job_type_id: 'echo', ...extra });
  const jobCount = async () => (await t.db.query(`SELECT count(*)::int AS n FROM jobs WHERE org_id = $1`, [org])).rows[0].n as number;

  /** 400 VALIDATION_ERROR whose only field errors are the unknown parameters. */
  const expectUnknown = (res: Response, ...names: string[]) => {
    expectProblem(res, 400, 'VALIDATION_ERROR');
    expect(fieldsOf(res)).toEqual(names);
    for (const e of res.body.errors) expect(e.message).toMatch(/is not a query parameter of this route/);
  };

  const callbackAuth = (jobId: string, taskId: string) =>
    bearer(t.app.get(CallbackTokens).issue(taskId, jobId, org, new Date(inAnHour())));

  beforeAll(async () => {
    t = await startTestApp({ withWorker: false });
    ({ org, auth: admin } = await echoTenant(t, 'query', { SERVICES: 'ADMIN' }));
  });
  afterAll(async () => { await t?.close(); });

  it('every registered route answers 400 naming an unknown parameter, before its body and before any lookup', async () => {
    const routes = registeredRoutes(t);
    // The enumeration itself must work: these routes are known to exist.
    expect(routes).toEqual(expect.arrayContaining([
      { method: 'get', path: '/health' },
      { method: 'get', path: '/services/agent-jobs' },
      { method: 'delete', path: '/services/agent-jobs' },
      { method: 'post', path: '/services/agent-jobs/:id/tasks/:task_id/result' },
      { method: 'put', path: '/services/integrations/slack' },
      { method: 'get', path: '/services/schedules/:id/runs' },
    ]));
    const wrong: Array<Route & { status: number; body: unknown }> = [];
    for (const route of routes) {
      // Any id: the unknown parameter must be refused before the record is looked up.
      const path = route.path.replace(/:(\w+)/g, (_, name: string) => `no_such_${name}`);
      const http = t.http() as unknown as Record<string, (url: string) => Test>;
      // Authentication comes first everywhere: the task result route takes that task's callback token.
      const auth = route.path.endsWith('/tasks/:task_id/result') ? callbackAuth('no_such_id', 'no_such_task_id') : admin;
      const req = http[route.method](`${path}?bogus_param=1`).set(auth);
      // An empty body: the query is checked before the body is.
      const res = ['post', 'put', 'patch', 'delete'].includes(route.method) ? await req.send({}) : await req;
      const named = res.status === 400 && res.body.code === 'VALIDATION_ERROR'
        && JSON.stringify(fieldsOf(res)) === '["bogus_param"]';
      if (!named) wrong.push({ ...route, status: res.status, body: res.body });
    }
    expect(wrong).toEqual([]);
  });

  it('GET /services/agent-jobs?stauts=FAILED is 400, not every job', async () => {
    expectUnknown(await t.http().get('/services/agent-jobs?stauts=FAILED').set(admin), 'stauts');
    // Two unknown and one bad known parameter: all of the unknown ones are named.
    const res = await t.http().get('/services/agent-jobs?stauts=FAILED&limt=5&limit=0').set(admin);
    expectUnknown(res, 'stauts', 'limt');
    expect(res.body.detail).toBe('Unknown query parameters: stauts, limt');
    expect(res.body.errors[0].message).toMatch(/takes status, .*cursor, limit, offset\)$/);
  });

  it('POST /services/agent-jobs?dealy=1 creates nothing; ?delay=1 still works', async () => {
    const before = await jobCount();
    expectUnknown(await t.http().post('/services/agent-jobs?dealy=1').set(admin).send(jobBody()), 'dealy');
    expect(await jobCount()).toBe(before);
    const delayed = await t.http().post('/services/agent-jobs?delay=1').set(admin).send(jobBody());
    expect(delayed.status).toBe(201);
    expect(await jobCount()).toBe(before + 1);
  });

  it('DELETE /services/agent-jobs/:id?force=true cancels nothing', async () => {
    const created = await t.http().post('/services/agent-jobs').set(admin).send(jobBody({ scheduled_at: inAnHour() }));
    expect(created.status).toBe(201);
    const id = created.body.data.job_id;
    expectUnknown(await t.http().delete(`/services/agent-jobs/${id}?force=true`).set(admin).send({ reason: 'forced' }), 'force');
    expect((await t.http().get(`/services/agent-jobs/${id}`).set(admin)).body.data).toEqual(expect.objectContaining({ job_status: 'SCHEDULED', cancel_reason: null }));
  });

  it('authentication comes first: no token is 401, also with an unknown parameter', async () => {
    expectProblem(await t.http().get('/services/agent-jobs?bogus_param=1'), 401, 'UNAUTHORIZED');
    expectProblem(await t.http().get('/services/tokens?bogus_param=1').set(bearer(await t.token(org, { SERVICES: 'READ' }))), 403, 'INSUFFICIENT_ACCESS');
  });

  it('the unauthenticated routes refuse unknown parameters too', async () => {
    expect((await t.http().get('/health')).status).toBe(200);
    expectUnknown(await t.http().get('/health?verbose=1'), 'verbose');
    // The task result route authenticates its callback token first (a guard: rate limits count per task), then the query.
    const result = '/services/agent-jobs/job_x/tasks/task_x/result?x=1';
    expectProblem(await t.http().post(result).send({ status: 'completed' }), 401, 'UNAUTHORIZED');
    expectUnknown(await t.http().post(result).set(callbackAuth('job_x', 'task_x')).send({ status: 'completed' }), 'x');
  });

  it('every list shares one pagination: limit 1-100 (default 20), offset 0-1000000', async () => {
    for (const list of ['/services/agent-jobs', '/services/channels', '/services/schedules']) {
      const res = await t.http().get(`${list}?limit=100&offset=1000000`).set(admin);
      expect({ list, status: res.status }).toEqual({ list, status: 200 });
      expect(res.body.meta).toEqual(expect.objectContaining({ limit: 100, offset: 1000000 }));
      expect((await t.http().get(list).set(admin)).body.meta).toEqual(expect.objectContaining({ limit: 20, offset: 0 }));
      for (const [query, field] of [['limit=101', 'limit'], ['limit=0', 'limit'], ['offset=1000001', 'offset'], ['offset=1&offset=2', 'offset']]) {
        const bad = await t.http().get(`${list}?${query}`).set(admin);
        expectProblem(bad, 400, 'VALIDATION_ERROR');
        expect({ list, query, errors: bad.body.errors }).toEqual({ list, query, errors: [{ field, message: expect.any(String) }] });
      }
    }
    const job = await t.http().post('/services/agent-jobs').set(admin).send(jobBody({ scheduled_at: inAnHour() }));
    const deliveries = await t.http().get(`/services/agent-jobs/${job.body.data.job_id}/deliveries?limit=100`).set(admin);
    expect(deliveries.status).toBe(200);
    expect(deliveries.body.meta).toEqual(expect.objectContaining({ limit: 100, offset: 0 }));
    expect((await t.http().get(`/services/agent-jobs/${job.body.data.job_id}/deliveries?limit=101`).set(admin)).body.errors)
      .toEqual([{ field: 'limit', message: 'must be an integer from 1 to 100' }]);
  });
});
