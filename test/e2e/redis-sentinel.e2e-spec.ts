import Redis from 'ioredis';
import { AgentServer, createHttpJobType, startAgentServer } from '../support/agent-server';
import { jobsApi } from '../support/jobs';
import { ApiProcess, startApiProcess } from '../support/processes';
import { RedisSentinel } from '../support/redis-topologies';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * The service through Redis Sentinel (REDIS_SENTINELS, REDIS_SENTINEL_NAME and the sentinel's
 * own password): REDIS_URL names a port nobody listens on, so only the master the sentinel
 * names can be used; the URL's db index still applies to it. Then a failover.
 */
describe('through Redis Sentinel', () => {
  let redis: RedisSentinel;
  let agent: AgentServer;
  let t: TestApp;
  let proc: ApiProcess;
  let master: Redis;

  beforeAll(async () => {
    [redis, agent] = await Promise.all([RedisSentinel.start('agentjobs', 'sentinel-secret'), startAgentServer()]);
    const env = {
      REDIS_URL: 'redis://127.0.0.1:9/2',
      REDIS_SENTINELS: `127.0.0.1:${redis.sentinel.port}`,
      REDIS_SENTINEL_NAME: 'agentjobs',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
    };
    t = await startTestApp({ withWorker: false, env });
    proc = await startApiProcess(t.env, { withWorker: true });
    master = new Redis({ host: '127.0.0.1', port: redis.master.port, db: 2 });
  }, 60_000);
  afterAll(async () => {
    await proc?.stop();
    await t?.close();
    await agent?.close();
    master?.disconnect();
    await redis?.stop();
  });

  const { orgWithToken, createJob, waitForStatus } = jobsApi(() => t, { orgLabel: 'sentinel', channelCode: 'CSENTINEL' });

  it('runs a job in the API+worker process, its queue in db 2 of the master the sentinel names', async () => {
    expect((await fetch(`${proc.url}/health/ready`)).status).toBe(200);
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'done', behaviour: 'complete' });
    const created = await createJob(auth, org, jt.id);
    await waitForStatus(auth, created.job_id, ['COMPLETED'], 20_000);
    expect(agent.forJob(created.job_id)).toHaveLength(1);
    expect(await master.exists(`${t.env.QUEUE_PREFIX}:epoch`)).toBe(1);
  });

  it('follows a failover: the master killed, the sentinel promotes the replica, jobs run on it', async () => {
    await redis.failover();
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'after-failover', behaviour: 'complete' });
    const created = await createJob(auth, org, jt.id);
    await waitForStatus(auth, created.job_id, ['COMPLETED'], 30_000);
    expect(agent.forJob(created.job_id)).toHaveLength(1);
    const promoted = new Redis({ host: '127.0.0.1', port: redis.replica.port, db: 2 });
    try {
      expect(await promoted.call('ROLE')).toContain('master');
      expect(await promoted.exists(`${t.env.QUEUE_PREFIX}:epoch`)).toBe(1);
    } finally {
      promoted.disconnect();
    }
  });
});
