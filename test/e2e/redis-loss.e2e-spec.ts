import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { WorkerModule } from '../../apps/worker/worker.module';
import { ReconcilerService } from '../../libs/jobs/src';
import { AgentServer, createHttpJobType, startAgentServer } from '../support/agent-server';
import { jobsApi } from '../support/jobs';
import { RedisServer } from '../support/processes';
import { eventually, startTestApp, TestApp } from '../support/test-app';

const OUTAGE_MS = Number(process.env.REDIS_LOSS_OUTAGE_MS ?? 6000);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/**
 * Redis restarts empty (its own redis-server, killed and started again): every Bull job is
 * gone. Scheduled jobs due after it came back must still run, once each, at about their time;
 * the test prints how late they started (the figure the reconciler's Redis-loss handling is
 * about) and asserts only what ran.
 */
describe('Redis loss', () => {
  let redis: RedisServer;
  let t: TestApp;
  let agent: AgentServer;
  let worker: INestApplicationContext | undefined;
  let probe: Redis;

  beforeAll(async () => {
    redis = await RedisServer.start();
    [t, agent] = await Promise.all([startTestApp({ withWorker: false, env: { REDIS_URL: redis.url, RECONCILE_INTERVAL_MS: '1000' } }), startAgentServer()]);
    probe = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    probe.on('error', () => undefined);
  });
  afterAll(async () => {
    await worker?.close();
    probe?.disconnect();
    await agent?.close();
    await t?.close();
    await redis?.kill();
  });

  const { orgWithToken, createJob, waitForStatus } = jobsApi(() => t, { orgLabel: 'rloss', channelCode: 'CRLOSS' });

  it('scheduled jobs due after Redis came back empty run once each, near their time', async () => {
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot({ ...t.env }), { logger: ['error'] });
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'after-loss', behaviour: 'complete' });

    const t0 = Date.now();
    // Leaves time to create the 18 jobs on a loaded machine before the first one falls due.
    const killAt = t0 + 3000;
    const backAt = killAt + OUTAGE_MS;
    // Due during the outage (they can only run once Redis is back) and after it, every 400 ms.
    const during = [0, 1, 2].map((i) => killAt + 500 + i * 800);
    const after = Array.from({ length: 15 }, (_, i) => backAt + 500 + i * 400);
    const jobs = await Promise.all([...during, ...after].map((at, i) =>
      createJob(auth, org, jt.id, { scheduled_at: new Date(at).toISOString(), params: { i } })));
    expect(jobs.every((j) => j.job_status === 'SCHEDULED')).toBe(true);
    // Bull holds every task before the loss (delayed, or already promoted if creating took long).
    // A create answers before its Bull add has landed (it is not awaited), so wait for the adds.
    const bullKeys = jobs.map((j) => `${t.env.QUEUE_PREFIX}:agent-tasks:${j.tasks[0].task_id}`);
    await eventually(async () => (await probe.exists(...bullKeys)) === jobs.length, 1000, 20);
    const runId = (await probe.info('server')).match(/run_id:(\w+)/)![1];

    await sleep(killAt - Date.now());
    await redis.kill();
    await sleep(backAt - Date.now());
    await redis.restart();
    const restartedAt = Date.now();
    // Another server, nothing kept: every Bull job of these tasks is gone.
    expect((await probe.info('server')).match(/run_id:(\w+)/)![1]).not.toBe(runId);

    const done = await Promise.all(jobs.map((j) => waitForStatus(auth, j.job_id, ['COMPLETED', 'FAILED', 'CANCELED'], 30_000)));
    expect(done.map((j) => j.job_status)).toEqual(jobs.map(() => 'COMPLETED'));
    for (const j of jobs) expect(agent.forJob(j.job_id)).toHaveLength(1);

    const started = done.map((j) => Date.parse(j.started_at));
    const lateAfter = started.slice(during.length).map((s, i) => s - after[i]);
    const lateDuring = started.slice(0, during.length).map((s) => s - restartedAt);
    expect(lateAfter.every((ms) => ms >= 0)).toBe(true);
    console.log(
      `Redis loss (outage ${OUTAGE_MS} ms, restarted empty): ${after.length} jobs due after it came back started `
      + `${median(lateAfter)} ms late at the median, ${Math.max(...lateAfter)} ms at worst; `
      + `${during.length} jobs due during the outage started ${lateDuring.join(', ')} ms after Redis answered again`,
    );
  }, 60_000);

  it('a backlog Bull was seen holding is back in the queue as soon as the loss is noticed', async () => {
    await worker?.close();
    // One task at a time: the jobs wait in Bull, overdue, and the reconciler remembers it holds them.
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot({ ...t.env, WORKER_CONCURRENCY: '1' }), { logger: ['error'] });
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'backlog', behaviour: 'late-complete', query: { after_ms: 300 } });
    const jobs = await Promise.all(Array.from({ length: 20 }, (_, i) => createJob(auth, org, jt.id, { params: { i } })));
    const bullKey = (taskId: string) => `${t.env.QUEUE_PREFIX}:agent-tasks:${taskId}`;
    await eventually(async () => (await probe.exists(...jobs.map((j) => bullKey(j.tasks[0].task_id)))) >= 15, 10_000, 20);
    // A pass (besides the loop's) that sees them held, so the worker remembers Bull has them.
    await worker.get(ReconcilerService).pass();

    await redis.kill();
    await redis.restart();
    const restartedAt = Date.now();
    const pending = async () => (await t.db.query(
      `SELECT id FROM tasks WHERE id = ANY($1) AND status = 'PENDING'`, [jobs.map((j) => j.tasks[0].task_id)],
    )).rows.map((r) => r.id as string);
    const lost = await pending();
    expect(lost.length).toBeGreaterThan(5);
    await eventually(async () => {
      const still = await pending();
      return still.length === 0 || (await probe.exists(...still.map(bullKey))) === still.length;
    }, 30_000, 20);
    const backAfter = Date.now() - restartedAt;

    const done = await Promise.all(jobs.map((j) => waitForStatus(auth, j.job_id, ['COMPLETED', 'FAILED', 'CANCELED'], 30_000)));
    expect(done.map((j) => j.job_status)).toEqual(jobs.map(() => 'COMPLETED'));
    for (const j of jobs) expect(agent.forJob(j.job_id)).toHaveLength(1);
    console.log(`Redis loss: ${lost.length} overdue tasks waiting in Bull when it restarted empty were all queued again ${backAfter} ms after it answered`);
  }, 60_000);
});
