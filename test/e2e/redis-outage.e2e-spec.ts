import { echoTenant } from '../support/jobs';
import { ANSWER_WITHIN_MS, expectLiveButNotReady, expectReady } from '../support/outage';
import { RedisServer } from '../support/processes';
import { TcpProxy } from '../support/tcp-proxy';
import { eventually, inAnHour, startTestApp, TestApp } from '../support/test-app';

/**
 * Redis taken away from one app (its own redis-server child behind a TCP proxy that the test
 * cuts): no API route needs Redis to answer, so they keep working and never hang; readiness
 * names redis; a job created meanwhile is stored (Postgres is the truth) and runs once Redis
 * is back, enqueued by the reconciler.
 */

describe('Redis outage', () => {
  let redis: RedisServer;
  let proxy: TcpProxy;
  let t: TestApp;
  let org: string;
  let auth: Record<string, string>;

  const jobBody = (extra: Record<string, unknown> = {}) => ({
    target_channel: { org_id: org, platform: 'slack', code: 'C0UTAGE2' }, job_type_id: 'echo', params: { during: 'outage' }, ...extra,
  });
  const getJob = (id: string) => t.http().get(`/services/agent-jobs/${id}`).set(auth).timeout(ANSWER_WITHIN_MS);

  beforeAll(async () => {
    redis = await RedisServer.start();
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: redis.port });
    t = await startTestApp({ env: { REDIS_URL: proxy.proxiedUrl(redis.url), REDIS_TIMEOUT_MS: '1000' } });
    ({ org, auth } = await echoTenant(t, 'redis-outage'));
  });

  afterAll(async () => {
    await proxy?.restore();
    await t?.close();
    await proxy?.close();
    await redis?.kill();
  });

  it('runs jobs while Redis is up, and readiness says so', async () => {
    await expectReady(t);
    const created = await t.http().post('/services/agent-jobs').set(auth).send(jobBody());
    expect(created.status).toBe(201);
    await eventually(async () => (await getJob(created.body.data.job_id)).body.data.job_status === 'COMPLETED');
  });

  // refuse: Redis stopped; hang: a Redis that accepts connections and never answers (REDIS_TIMEOUT_MS bounds each wait).
  it.each(['refuse', 'hang'] as const)('with Redis cut (%s): creates, reads and cancels still answer; readiness is 503 naming redis; the job runs once Redis is back', async (mode) => {
    const toCancel = await t.http().post('/services/agent-jobs').set(auth).send(jobBody({ scheduled_at: inAnHour() }));
    expect(toCancel.status).toBe(201);
    await proxy.cut(mode);

    await expectLiveButNotReady(t, 'redis');

    // Postgres is the truth: the job is stored and answered; its Bull add fails in the background.
    const created = await t.http().post('/services/agent-jobs').set(auth).send(jobBody()).timeout(ANSWER_WITHIN_MS);
    expect(created.status).toBe(201);
    const jobId = created.body.data.job_id;
    expect((await getJob(jobId)).body.data.job_status).toBe('WAITING');
    const listed = await t.http().get('/services/agent-jobs').set(auth).timeout(ANSWER_WITHIN_MS);
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((j: { job_id: string }) => j.job_id)).toContain(jobId);
    // Cancel is decided in Postgres; dropping the Bull job and the abort broadcast give up quickly.
    const canceled = await t.http().delete(`/services/agent-jobs/${toCancel.body.data.job_id}`).set(auth).send({ reason: 'outage' }).timeout(ANSWER_WITHIN_MS);
    expect(canceled.status).toBe(200);
    expect((await getJob(toCancel.body.data.job_id)).body.data.job_status).toBe('CANCELED');
    // Still not run: nothing can take it off the queue.
    expect((await getJob(jobId)).body.data.job_status).toBe('WAITING');

    await proxy.restore();
    await eventually(async () => (await t.http().get('/health/ready')).status === 200, 15_000, 100);
    const done = await eventually(async () => {
      const job = (await getJob(jobId)).body.data;
      return job.job_status === 'COMPLETED' && job;
    }, 20_000, 100);
    expect(done.result).toEqual({ during: 'outage' });
  });
});
