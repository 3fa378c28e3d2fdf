import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WorkerModule } from '../../apps/worker/worker.module';
import { TaskRunnerService } from '../../libs/jobs/src';
import { AgentServer, createHttpJobType, startAgentServer } from '../support/agent-server';
import { jobsApi } from '../support/jobs';
import { eventually, startTestApp, TestApp } from '../support/test-app';

/**
 * Postgres is the truth, Redis may lose data, workers crash and restart. The API app runs
 * without a worker; each test starts (and stops) the worker contexts it needs.
 */
describe('recovery', () => {
  let t: TestApp;
  let agent: AgentServer;
  const workers = new Set<INestApplicationContext>();

  beforeAll(async () => {
    [t, agent] = await Promise.all([startTestApp({ withWorker: false }), startAgentServer()]);
  });
  afterEach(async () => {
    await stopWorkers();
  });
  afterAll(async () => {
    await stopWorkers();
    await agent?.close();
    await t?.close();
  });

  async function startWorker(env: NodeJS.ProcessEnv = {}) {
    const ctx = await NestFactory.createApplicationContext(WorkerModule.forRoot({ ...t.env, ...env }), { logger: ['error'] });
    workers.add(ctx);
    return ctx;
  }
  async function stopWorker(ctx: INestApplicationContext) {
    workers.delete(ctx);
    await ctx.close();
  }
  async function stopWorkers() {
    await Promise.all([...workers].map(stopWorker));
  }

  /**
   * Deletes every Redis key of this app's Bull prefix: Redis "lost its data". (A running worker
   * may write some again at once: its epoch marker, Bull's stalled-check key, the jobs it re-adds.)
   */
  async function flushQueueKeys() {
    const keys = await t.redis.keys(`${t.env.QUEUE_PREFIX}:*`);
    if (keys.length) await t.redis.del(...keys);
    return keys;
  }
  const bullKey = (taskId: string) => `${t.env.QUEUE_PREFIX}:agent-tasks:${taskId}`;

  const { orgWithToken, createJob, getJob, waitForStatus } = jobsApi(() => t, { orgLabel: 'recov', channelCode: 'CRECOV' });

  it('Redis loses a scheduled job: the reconciler re-enqueues it from Postgres, delayed to its time, and it runs then', async () => {
    await startWorker();
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'on-time', behaviour: 'complete' });
    // Far enough ahead that the reconciler (every 250 ms) has put it back before it is due.
    const at = Date.now() + 5000;
    const created = await createJob(auth, org, jt.id, { scheduled_at: new Date(at).toISOString(), params: { lost: true } });
    expect(created.job_status).toBe('SCHEDULED');
    const taskId = created.tasks[0].task_id;
    expect(await t.redis.exists(bullKey(taskId))).toBe(1);

    const lost = await flushQueueKeys();
    expect(lost).toContain(bullKey(taskId));
    // The reconciler puts it back, delayed to its due time (Bull keeps a delay in the job's hash).
    const requeued = await eventually(async () => {
      const [timestamp, delay] = await t.redis.hmget(bullKey(taskId), 'timestamp', 'delay');
      return timestamp !== null && { dueAt: Number(timestamp) + Number(delay), delay: Number(delay) };
    });
    expect(requeued.delay).toBeGreaterThan(0);
    expect(requeued.dueAt).toBeGreaterThanOrEqual(at);

    const job = await waitForStatus(auth, created.job_id, ['COMPLETED', 'FAILED']);
    expect(job.job_status).toBe('COMPLETED');
    expect(job.result).toEqual({ echo: { lost: true } });
    expect(Date.parse(job.started_at)).toBeGreaterThanOrEqual(at);
    console.log(`recovery: a scheduled job Redis lost started ${Date.parse(job.started_at) - at} ms after its time`);
    expect(job.tasks.map((x: { task_id: string; status: string }) => [x.task_id, x.status])).toEqual([[taskId, 'COMPLETED']]);
    expect(agent.forJob(created.job_id).map((r) => r.body!.task_id)).toEqual([taskId]);
  });

  it('WAITING jobs whose queue entries Redis lost complete once a worker starts', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'orphans', behaviour: 'complete' });
    const jobs = await Promise.all([1, 2, 3].map((i) => createJob(auth, org, jt.id, { params: { i } })));
    for (const j of jobs) {
      expect(j.job_status).toBe('WAITING');
      expect(await t.redis.exists(bullKey(j.tasks[0].task_id))).toBe(1);
    }
    await flushQueueKeys();

    await startWorker();
    const done = await Promise.all(jobs.map((j) => waitForStatus(auth, j.job_id, ['COMPLETED', 'FAILED'])));
    expect(done.map((j) => j.job_status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    expect(done.map((j) => j.result)).toEqual([{ echo: { i: 1 } }, { echo: { i: 2 } }, { echo: { i: 3 } }]);
    for (const j of jobs) expect(agent.forJob(j.job_id)).toHaveLength(1);
  });

  it('a task left RUNNING by a crashed worker (expired lease, no Bull job) is recovered and run with the same task id', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'crashed', behaviour: 'complete' });
    const created = await createJob(auth, org, jt.id, { params: { crash: 1 } });
    const taskId = created.tasks[0].task_id;
    // What a worker that died mid-call leaves behind: the task RUNNING with a lease that ran
    // out, the job RUNNING with its deadline far away, and nothing in Redis.
    await flushQueueKeys();
    await t.db.query(
      `UPDATE tasks SET status = 'RUNNING', started_at = now() - interval '2 minutes',
              lease_expires_at = now() - interval '1 minute' WHERE id = $1`,
      [taskId],
    );
    await t.db.query(
      `UPDATE jobs SET status = 'RUNNING', started_at = now() - interval '2 minutes',
              deadline_at = now() + interval '1 hour' WHERE id = $1`,
      [created.job_id],
    );
    expect((await getJob(auth, created.job_id)).job_status).toBe('RUNNING');

    await startWorker();
    const job = await waitForStatus(auth, created.job_id, ['COMPLETED', 'FAILED']);
    expect(job.job_status).toBe('COMPLETED');
    expect(job.result).toEqual({ echo: { crash: 1 } });
    expect(job.tasks.map((x: { task_id: string; status: string; attempt: number }) => [x.task_id, x.attempt, x.status])).toEqual([[taskId, 1, 'COMPLETED']]);
    const seen = agent.forJob(created.job_id);
    expect(seen).toHaveLength(1);
    expect(seen[0].body!.task_id).toBe(taskId);
    expect(seen[0].headers['webhook-id']).toBe(taskId);
    expect(seen[0].headers['idempotency-key']).toBe(taskId);
    expect(seen[0].verified).toBe(true);
  });

  it('graceful shutdown hands a running task back (PENDING) and another worker completes it, with the same task id', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'handover', behaviour: 'sleep-first' });
    const first = await startWorker({ SHUTDOWN_GRACE_MS: '200' });
    const created = await createJob(auth, org, jt.id, { params: { handover: true } });
    const taskId = created.tasks[0].task_id;
    const req1 = await eventually(async () => agent.forJob(created.job_id)[0]);
    expect(req1.body!.task_id).toBe(taskId);

    // The agent never answers this call: closing returns because the grace ran out and it aborted the call.
    await stopWorker(first);
    await eventually(async () => req1.aborted);
    // No worker runs now: what Postgres holds is what the closed worker left.
    const { rows } = await t.db.query(`SELECT status, lease_expires_at, started_at FROM tasks WHERE id = $1`, [taskId]);
    expect(rows[0]).toMatchObject({ status: 'PENDING', lease_expires_at: null, started_at: null });
    expect((await getJob(auth, created.job_id)).job_status).toBe('RUNNING');

    // PENDING without a lease: the next worker takes it at once, with no lease to wait out.
    await startWorker();
    const job = await waitForStatus(auth, created.job_id, ['COMPLETED', 'FAILED']);
    expect(job.job_status).toBe('COMPLETED');
    expect(job.result).toEqual({ echo: { handover: true } });
    expect(job.tasks.map((x: { task_id: string; status: string }) => [x.task_id, x.status])).toEqual([[taskId, 'COMPLETED']]);
    const seen = agent.forJob(created.job_id);
    expect(seen.map((r) => r.body!.task_id)).toEqual([taskId, taskId]);
    expect(seen.map((r) => r.body!.attempt)).toEqual([1, 1]);
  });

  it('a task delivered twice (Bull is at-least-once), even to two workers at once, calls its agent once', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'dupes', behaviour: 'late-complete', query: { after_ms: 300 } });
    const [a, b] = await Promise.all([startWorker(), startWorker()]);
    const created = await createJob(auth, org, jt.id);
    const payload = { org_id: org, job_id: created.job_id, task_id: created.tasks[0].task_id };
    // The queue delivers it once; these are the redeliveries of a stalled job, on both workers.
    await Promise.all([a.get(TaskRunnerService).run(payload), b.get(TaskRunnerService).run(payload), a.get(TaskRunnerService).run(payload)]);
    const job = await waitForStatus(auth, created.job_id, ['COMPLETED', 'FAILED']);
    expect(job.job_status).toBe('COMPLETED');
    await b.get(TaskRunnerService).run(payload); // and once more after it finished
    expect(agent.forJob(created.job_id)).toHaveLength(1);
    expect(job.tasks.map((x: { status: string }) => x.status)).toEqual(['COMPLETED']);
  });
});
