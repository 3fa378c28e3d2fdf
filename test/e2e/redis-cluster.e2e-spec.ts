import Redis from 'ioredis';
import { AgentServer, createHttpJobType, startAgentServer } from '../support/agent-server';
import { jobsApi } from '../support/jobs';
import { API_MAIN, ApiProcess, Child, startApiProcess } from '../support/processes';
import { RedisCluster } from '../support/redis-topologies';
import { eventually, startTestApp, TestApp } from '../support/test-app';

/**
 * The service on a Redis Cluster of three masters (REDIS_CLUSTER_NODES): an API in the test
 * process and an API+worker process (`--with-worker`), both on the cluster. Jobs created in
 * the one run in the other; a cancel in the test process reaches the other's worker.
 */
describe('on a Redis Cluster', () => {
  let cluster: RedisCluster;
  let agent: AgentServer;
  let t: TestApp;
  let proc: ApiProcess;
  let nodes: Redis[] = [];

  beforeAll(async () => {
    [cluster, agent] = await Promise.all([RedisCluster.start(3), startAgentServer()]);
    // REDIS_URL's host is not used (the nodes are); a cluster has db 0 only.
    t = await startTestApp({ withWorker: false, env: { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: cluster.nodes } });
    // Warnings shown: a Redis call the cluster refused (a CROSSSLOT, a MOVED not followed) would be one.
    proc = await startApiProcess({ ...t.env, LOG_LEVEL: 'warn' }, { withWorker: true });
    nodes = cluster.ports.map((port) => new Redis({ port, host: '127.0.0.1', lazyConnect: true }));
  }, 90_000);
  afterAll(async () => {
    await proc?.stop();
    await t?.close();
    await agent?.close();
    nodes.forEach((n) => n.disconnect());
    await cluster?.stop();
  });

  const { orgWithToken, createJob, getJob, waitForStatus } = jobsApi(() => t, { orgLabel: 'cluster', channelCode: 'CCLUSTER' });

  it('is ready: the process reaches the cluster', async () => {
    const res = await fetch(`${proc.url}/health/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', dependencies: { redis: { status: 'up' } } });
  });

  it('runs a job to COMPLETED in the worker process', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'done', behaviour: 'complete' });
    const created = await createJob(auth, org, jt.id);
    await waitForStatus(auth, created.job_id, ['COMPLETED'], 20_000);
    expect(agent.forJob(created.job_id)).toHaveLength(1);
  });

  it('runs a scheduled job when it is due, its Bull keys (every queue\'s) in one hash slot on one node', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'later', behaviour: 'complete' });
    const created = await createJob(auth, org, jt.id, { scheduled_at: new Date(Date.now() + 2000).toISOString() });
    expect(created.job_status).toBe('SCHEDULED');

    const prefix = `{${t.env.QUEUE_PREFIX}}`;
    const perNode = await Promise.all(nodes.map((n) => n.keys(`${prefix}:*`)));
    const holding = perNode.filter((keys) => keys.length > 0);
    expect(holding).toHaveLength(1);
    const keys = holding[0];
    expect(keys).toEqual(expect.arrayContaining([`${prefix}:agent-tasks:delayed`, `${prefix}:agent-tasks:${created.tasks[0].task_id}`, `${prefix}:epoch`]));
    const slots = new Set(await Promise.all(keys.map((k) => nodes[0].cluster('KEYSLOT', k))));
    expect(slots.size).toBe(1);

    await waitForStatus(auth, created.job_id, ['COMPLETED'], 20_000);
    expect(agent.forJob(created.job_id)).toHaveLength(1);
  });

  it('cancels a running job: the abort published by this process reaches the worker process', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'sleeper', behaviour: 'sleep' });
    const created = await createJob(auth, org, jt.id);
    const req = await eventually(async () => agent.forJob(created.job_id)[0], 20_000);
    expect((await getJob(auth, created.job_id)).job_status).toBe('RUNNING');

    const res = await t.http().delete(`/services/agent-jobs/${created.job_id}`).set(auth).send({ reason: 'stop' });
    expect(res.status).toBe(200);
    // The agent never answers and the job has no near deadline: only the abort can end the call.
    await eventually(async () => req.aborted, 20_000);
    expect(await getJob(auth, created.job_id)).toMatchObject({ job_status: 'CANCELED', cancel_reason: 'stop' });
  });

  it('the API+worker process logged no warning and no error meanwhile', () => {
    expect(proc.output).toBe('');
  });

  it('forwards a plain PUBLISH on one node to subscribers on every other node (what the broadcasts rely on)', async () => {
    const [publisher, ...others] = nodes;
    const subscribers = others.map((n) => n.duplicate());
    try {
      const heard = subscribers.map((s) => new Promise<string>((resolve) => s.on('message', (_channel, message) => resolve(message))));
      await Promise.all(subscribers.map((s) => s.subscribe(`${t.env.QUEUE_PREFIX}:probe`)));
      await publisher.publish(`${t.env.QUEUE_PREFIX}:probe`, 'hello');
      expect(await Promise.all(heard)).toEqual(['hello', 'hello']);
    } finally {
      subscribers.forEach((s) => s.disconnect());
    }
  });
});

describe('Redis topology settings at start', () => {
  it.each([
    ['both Sentinel and Cluster', { REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_NAME: 'm', REDIS_CLUSTER_NODES: '127.0.0.1:7000' }, 'REDIS_SENTINELS and REDIS_CLUSTER_NODES: set one of them'],
    ['a malformed node', { REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1' }, 'REDIS_CLUSTER_NODES: "127.0.0.1" is not host:port'],
  ])('stop the API process at once with a clear message: %s', async (_case, env, message) => {
    const api = Child.node(API_MAIN, ['--with-worker'], { ...env, NODE_ENV: 'test', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', LOG_LEVEL: 'error' });
    expect(await api.finished(30_000)).toBe(1);
    expect(api.stderr).toContain('Invalid configuration:');
    expect(api.stderr).toContain(message);
  });
});
