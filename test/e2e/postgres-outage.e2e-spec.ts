import type { Response } from 'supertest';
import { echoTenant } from '../support/jobs';
import { expectProblem, expectUnavailable } from '../support/problem';
import { ANSWER_WITHIN_MS, expectLiveButNotReady, expectReady } from '../support/outage';
import { TcpProxy } from '../support/tcp-proxy';
import { bearer, eventually, inAnHour, startTestApp, TestApp } from '../support/test-app';
import { PG_ADMIN_URL } from '../support/test-env';

/**
 * Postgres taken away from one app (a TCP proxy between it and the shared Postgres, cut and
 * restored): authenticated routes answer 503 with Retry-After, never 401 or 500, and never
 * hang; a bad token is still a 401; liveness stays up while readiness names postgres; and the
 * app recovers by itself.
 */

describe('Postgres outage', () => {
  let proxy: TcpProxy;
  let t: TestApp;
  let org: string;
  let auth: Record<string, string>;
  let scheduledJobId: string;

  const pg = new URL(PG_ADMIN_URL);
  const jobBody = () => ({ target_channel: { org_id: org, platform: 'slack', code: 'C0UTAGE1' }, job_type_id: 'echo', params: { n: 1 } });
  const get = (path: string, headers = auth) => t.http().get(path).set(headers).timeout(ANSWER_WITHIN_MS);

  beforeAll(async () => {
    proxy = await TcpProxy.start({ host: pg.hostname, port: Number(pg.port || 5432) });
    t = await startTestApp({ databaseUrl: (url) => proxy.proxiedUrl(url), env: { DB_CONNECT_TIMEOUT_MS: '1000' } });
    ({ org, auth } = await echoTenant(t, 'pg-outage', { SERVICES: 'ADMIN' }));
    const scheduled = await t.http().post('/services/agent-jobs').set(auth).send({ ...jobBody(), scheduled_at: inAnHour() });
    expect(scheduled.status).toBe(201);
    scheduledJobId = scheduled.body.data.job_id;
  });

  afterAll(async () => {
    await proxy?.restore();
    await t?.close();
    await proxy?.close();
  });

  /** Authenticated GET, POST and DELETE routes, each with a token never seen before (its record is not cached). */
  async function expectRoutesUnavailable(mode: 'refuse' | 'hang'): Promise<void> {
    const fresh = async () => bearer(await t.token(org, { SERVICES: 'ADMIN' }));
    const tokens = [await fresh(), await fresh(), await fresh(), await fresh(), await fresh()];
    await proxy.cut(mode);
    const answers: Response[] = await Promise.all([
      get('/services/agent-jobs', tokens[0]),
      get(`/services/agent-jobs/${scheduledJobId}`, tokens[1]),
      t.http().post('/services/agent-jobs').set(tokens[2]).send(jobBody()).timeout(ANSWER_WITHIN_MS),
      t.http().delete(`/services/agent-jobs/${scheduledJobId}`).set(tokens[3]).send({ reason: 'outage' }).timeout(ANSWER_WITHIN_MS),
      get('/services/tokens', tokens[4]),
      // A token used before (its record may still be cached): the route's own queries fail the same way.
      t.http().post('/services/job-types').set(auth).send({ id: 'other', name: 'Other', executor: { type: 'builtin', name: 'echo' } }).timeout(ANSWER_WITHIN_MS),
    ]);
    for (const res of answers) expectUnavailable(res);
  }
  async function expectTokenChecksAndHealth(): Promise<void> {
    // A tampered JWT fails its signature check before any lookup: still 401.
    const [header, payload] = auth.Authorization.slice('Bearer '.length).split('.');
    expectProblem(await get('/services/agent-jobs', bearer(`${header}.${payload}.${'A'.repeat(43)}`)), 401, 'UNAUTHORIZED');
    expectProblem(await get('/services/agent-jobs', {}), 401, 'UNAUTHORIZED');

    await expectLiveButNotReady(t, 'postgres');
  }

  it('answers 200 on both health routes while Postgres is up', async () => {
    await expectReady(t);
  });

  it('refused connections (Postgres stopped): 503 with Retry-After on every route, 401 only for bad tokens', async () => {
    await expectRoutesUnavailable('refuse');
    await expectTokenChecksAndHealth();
  });

  it('unanswered connections (packets dropped): 503 once DB_CONNECT_TIMEOUT_MS has passed, not a hang', async () => {
    await proxy.restore();
    await eventually(async () => (await get('/services/agent-jobs')).status === 200);
    await expectRoutesUnavailable('hang');
    await expectTokenChecksAndHealth();
  });

  it('recovers by itself once Postgres is back: tokens, creates and the worker work again', async () => {
    await proxy.restore();
    const unseen = bearer(await t.token(org, { SERVICES: 'WRITE' }));
    await proxy.cut('refuse');
    expectUnavailable(await get('/services/agent-jobs', unseen));
    await proxy.restore();

    // The token whose lookup failed was not remembered as bad.
    await eventually(async () => (await get('/services/agent-jobs', unseen)).status === 200, 15_000, 100);
    expect((await t.http().get('/health/ready')).status).toBe(200);

    const created = await t.http().post('/services/agent-jobs').set(unseen).send(jobBody());
    expect(created.status).toBe(201);
    const done = await eventually(async () => {
      const res = await get(`/services/agent-jobs/${created.body.data.job_id}`, unseen);
      return res.body.data?.job_status === 'COMPLETED' && res.body.data;
    }, 15_000);
    expect(done.result).toEqual({ n: 1 });

    // The job the outage could not cancel is still there to cancel.
    const cancel = await t.http().delete(`/services/agent-jobs/${scheduledJobId}`).set(unseen).send({ reason: 'after the outage' });
    expect(cancel.status).toBe(200);
  });
});
