import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WorkerModule } from '../../apps/worker/worker.module';
import { InFlightTasks } from '../../libs/jobs/src';
import { AgentServer, createHttpJobType, startAgentServer } from '../support/agent-server';
import { jobsApi } from '../support/jobs';
import { eventually, startTestApp, TestApp } from '../support/test-app';

/**
 * Cancel, with the API and the worker in separate Nest contexts (as separate processes in
 * production): the API app runs without a worker; a worker-only context runs the tasks.
 */
describe('cancel', () => {
  let t: TestApp;
  let agent: AgentServer;
  let worker: INestApplicationContext | undefined;

  beforeAll(async () => {
    [t, agent] = await Promise.all([startTestApp({ withWorker: false }), startAgentServer()]);
  });
  afterAll(async () => {
    await worker?.close();
    await agent?.close();
    await t?.close();
  });

  const bullKey = (taskId: string) => `${t.env.QUEUE_PREFIX}:agent-tasks:${taskId}`;

  const { orgWithToken, createJob, getJob, transitions } = jobsApi(() => t, { orgLabel: 'cancel', channelCode: 'CCANCEL' });

  const cancel = (auth: Record<string, string>, id: string, reason?: string) =>
    t.http().delete(`/services/agent-jobs/${id}`).set(auth).send(reason === undefined ? {} : { reason });

  const waitForAgent = (jobId: string) => eventually(async () => agent.forJob(jobId)[0]);

  describe('before any worker runs', () => {
    it('cancels a WAITING job: task CANCELED, its Bull job removed, and no worker ever runs it', async () => {
      const { org, auth, tokenId } = await orgWithToken();
      const jt = await createHttpJobType(t, agent, auth, { id: 'never-waiting', behaviour: 'complete' });
      const created = await createJob(auth, org, jt.id);
      expect(created.job_status).toBe('WAITING');
      const taskId = created.tasks[0].task_id;
      expect(await t.redis.exists(bullKey(taskId))).toBe(1);

      const res = await cancel(auth, created.job_id, 'not needed');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        meta: { org_id: org, job_id: created.job_id },
        message: `Job with ID '${created.job_id}' successfully canceled`,
      });
      const job = await getJob(auth, created.job_id);
      expect(job).toMatchObject({ job_status: 'CANCELED', cancel_reason: 'not needed', canceled_by: `token:${tokenId}`, result: null });
      expect(job.canceled_at).not.toBeNull();
      expect(job.tasks.map((x: { status: string }) => x.status)).toEqual(['CANCELED']);
      expect(await t.redis.exists(bullKey(taskId))).toBe(0);

      // Now a worker starts; a job created after the canceled one completes, the canceled one never ran.
      worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(t.env), { logger: ['error'] });
      const sentinel = await createJob(auth, org, jt.id);
      await eventually(async () => (await getJob(auth, sentinel.job_id)).job_status === 'COMPLETED');
      expect(agent.forJob(created.job_id)).toHaveLength(0);
      expect((await getJob(auth, created.job_id)).job_status).toBe('CANCELED');
      const ev = await transitions(auth, created.job_id);
      expect(ev.map((e) => [e.from, e.to])).toEqual([[null, 'WAITING'], ['WAITING', 'CANCELED']]);
      expect(ev[1]).toMatchObject({ actor: `token:${tokenId}`, reason: 'not needed' });
    });
  });

  describe('with a worker in another context', () => {
    beforeAll(async () => {
      worker ??= await NestFactory.createApplicationContext(WorkerModule.forRoot(t.env), { logger: ['error'] });
    });

    it('cancels a SCHEDULED job (+1 h): CANCELED and its delayed Bull job removed', async () => {
      const { org, auth } = await orgWithToken();
      const jt = await createHttpJobType(t, agent, auth, { id: 'later', behaviour: 'complete' });
      const created = await createJob(auth, org, jt.id, { scheduled_at: new Date(Date.now() + 3_600_000).toISOString() });
      expect(created.job_status).toBe('SCHEDULED');
      const taskId = created.tasks[0].task_id;
      expect(await t.redis.exists(bullKey(taskId))).toBe(1);
      expect(await t.redis.zscore(`${t.env.QUEUE_PREFIX}:agent-tasks:delayed`, taskId)).not.toBeNull();

      const res = await cancel(auth, created.job_id);
      expect(res.status).toBe(200);
      const job = await getJob(auth, created.job_id);
      expect(job.job_status).toBe('CANCELED');
      expect(job.cancel_reason).toBeNull();
      expect(job.tasks[0].status).toBe('CANCELED');
      expect(await t.redis.exists(bullKey(taskId))).toBe(0);
      expect(await t.redis.zscore(`${t.env.QUEUE_PREFIX}:agent-tasks:delayed`, taskId)).toBeNull();
    });

    it('a SCHEDULED job canceled before its time (+2 s) never reaches its agent', async () => {
      const { org, auth } = await orgWithToken();
      const jt = await createHttpJobType(t, agent, auth, { id: 'soon', behaviour: 'complete' });
      const at = Date.now() + 2000;
      const created = await createJob(auth, org, jt.id, { scheduled_at: new Date(at).toISOString() });
      expect(created.job_status).toBe('SCHEDULED');
      expect((await cancel(auth, created.job_id, 'changed my mind')).status).toBe(200);
      // A job scheduled at the same time and not canceled runs: its time has come and gone. The
      // canceled one never reached the agent, and cannot: a worker only claims a PENDING task of an unfinished job.
      const control = await createJob(auth, org, jt.id, { scheduled_at: new Date(at).toISOString() });
      await eventually(async () => (await getJob(auth, control.job_id)).job_status === 'COMPLETED');
      expect(agent.forJob(created.job_id)).toHaveLength(0);
      const job = await getJob(auth, created.job_id);
      expect(job.job_status).toBe('CANCELED');
      expect(job.started_at).toBeNull();
      expect(job.tasks[0].status).toBe('CANCELED');
    });

    it('cancel during a retry\'s back-off: the PENDING retry is CANCELED and its delayed Bull job removed', async () => {
      const { org, auth } = await orgWithToken();
      const jt = await createHttpJobType(t, agent, auth, { id: 'backoff', behaviour: 'fail-then-complete', query: { times: 5 } });
      const created = await createJob(auth, org, jt.id, { config: { max_task_retries: 3, task_retry_interval: 60 } });
      const job = await eventually(async () => {
        const j = await getJob(auth, created.job_id);
        return j.tasks.length === 2 && j;
      });
      expect(job.job_status).toBe('RUNNING');
      expect(job.tasks.map((x: { kind: string; status: string }) => [x.kind, x.status])).toEqual([['initial', 'FAILED'], ['retry', 'PENDING']]);
      const retryId = job.tasks[1].task_id;
      await eventually(async () => (await t.redis.exists(bullKey(retryId))) === 1);

      expect((await cancel(auth, created.job_id, 'stop retrying')).status).toBe(200);
      const after = await getJob(auth, created.job_id);
      expect(after.job_status).toBe('CANCELED');
      expect(after.tasks.map((x: { status: string }) => x.status)).toEqual(['FAILED', 'CANCELED']);
      expect(await t.redis.exists(bullKey(retryId))).toBe(0);
      expect(agent.forJob(created.job_id)).toHaveLength(1);
    });

    it('cancels a RUNNING job: the in-flight agent call is aborted, reason and canceler are stored', async () => {
      const { org, auth, tokenId } = await orgWithToken();
      const jt = await createHttpJobType(t, agent, auth, { id: 'sleeper', behaviour: 'sleep' });
      const created = await createJob(auth, org, jt.id);
      const req = await waitForAgent(created.job_id);
      expect((await getJob(auth, created.job_id)).job_status).toBe('RUNNING');
      expect(req.aborted).toBe(false);

      const res = await cancel(auth, created.job_id, 'operator stop');
      expect(res.status).toBe(200);
      await eventually(async () => req.aborted);
      expect(req.answered).toBeUndefined();
      const job = await getJob(auth, created.job_id);
      expect(job).toMatchObject({ job_status: 'CANCELED', cancel_reason: 'operator stop', canceled_by: `token:${tokenId}`, result: null, error: null });
      expect(job.tasks).toHaveLength(1);
      expect(job.tasks[0].status).toBe('CANCELED');
      const ev = await transitions(auth, created.job_id);
      expect(ev.map((e) => e.to)).toEqual(['WAITING', 'RUNNING', 'CANCELED']);
      expect(ev[2]).toMatchObject({ from: 'RUNNING', actor: `token:${tokenId}`, reason: 'operator stop' });
      // The aborted call is not retried: no second request, the job stays CANCELED.
      await eventually(async () => worker!.get(InFlightTasks).size === 0);
      expect(agent.forJob(created.job_id)).toHaveLength(1);
    });

    it('a late answer never changes CANCELED', async () => {
      const { org, auth } = await orgWithToken();
      const jt = await createHttpJobType(t, agent, auth, { id: 'late', behaviour: 'late-complete', query: { after_ms: 800 } });
      const created = await createJob(auth, org, jt.id);
      const req = await waitForAgent(created.job_id);
      expect((await cancel(auth, created.job_id, 'too slow')).status).toBe(200);
      // The agent answers anyway, once its work is done.
      await eventually(async () => req.lateAnswer);
      const job = await getJob(auth, created.job_id);
      expect(job.job_status).toBe('CANCELED');
      expect(job.result).toBeNull();
      expect(job.completed_at).not.toBeNull();
      expect(job.tasks.map((x: { status: string; result: unknown }) => [x.status, x.result])).toEqual([['CANCELED', null]]);
      expect(agent.forJob(created.job_id)).toHaveLength(1);
    });

    it('a late async callback after cancel is refused (409) and changes nothing', async () => {
      const { org, auth } = await orgWithToken();
      const jt = await createHttpJobType(t, agent, auth, { id: 'async-late', behaviour: 'accept' });
      const created = await createJob(auth, org, jt.id);
      const req = await eventually(async () => agent.forJob(created.job_id)[0]?.answered?.status === 202 && agent.forJob(created.job_id)[0]);
      expect((await cancel(auth, created.job_id)).status).toBe(200);
      const late = await t.http().post(`/services/agent-jobs/${created.job_id}/tasks/${created.tasks[0].task_id}/result`)
        .set('Authorization', `Bearer ${req.body!.callback.token}`).send({ status: 'completed', result: { late: true } });
      expect(late.status).toBe(409);
      const job = await getJob(auth, created.job_id);
      expect(job.job_status).toBe('CANCELED');
      expect(job.result).toBeNull();
      expect(job.tasks[0].status).toBe('CANCELED');
    });

    it('a second cancel is 409 JOB_ALREADY_TERMINAL, and so is canceling a COMPLETED job', async () => {
      const { org, auth } = await orgWithToken();
      const jt = await createHttpJobType(t, agent, auth, { id: 'twice', behaviour: 'complete' });
      const created = await createJob(auth, org, jt.id, { scheduled_at: new Date(Date.now() + 3_600_000).toISOString() });
      expect((await cancel(auth, created.job_id, 'first')).status).toBe(200);
      const second = await cancel(auth, created.job_id, 'second');
      expect(second.status).toBe(409);
      expect(second.headers['content-type']).toContain('application/problem+json');
      expect(second.body).toMatchObject({ status: 409, code: 'JOB_ALREADY_TERMINAL' });
      expect((await getJob(auth, created.job_id)).cancel_reason).toBe('first');

      const done = await createJob(auth, org, jt.id);
      await eventually(async () => (await getJob(auth, done.job_id)).job_status === 'COMPLETED');
      const late = await cancel(auth, done.job_id);
      expect(late.status).toBe(409);
      expect(late.body.code).toBe('JOB_ALREADY_TERMINAL');
      expect((await getJob(auth, done.job_id)).job_status).toBe('COMPLETED');
    });

    it('cancel across processes: the API context cancels, the worker context aborts its agent call (Redis pub/sub)', async () => {
      const { org, auth } = await orgWithToken();
      const jt = await createHttpJobType(t, agent, auth, { id: 'remote-sleeper', behaviour: 'sleep' });
      const created = await createJob(auth, org, jt.id);
      const req = await waitForAgent(created.job_id);
      // The task runs in the worker context, not in the API's.
      await eventually(async () => worker!.get(InFlightTasks).size === 1);
      expect(t.app.get(InFlightTasks).size).toBe(0);

      const cancelAt = Date.now();
      expect((await cancel(auth, created.job_id, 'remote')).status).toBe(200);
      // The agent never answers and the job has no near deadline: only the cancel can abort the call.
      await eventually(async () => req.aborted, 10_000, 10);
      expect(req.abortedAt!).toBeGreaterThanOrEqual(cancelAt);
      console.log(`cancel: the worker process aborted the agent call ${req.abortedAt! - cancelAt} ms after the API was asked to cancel`);
      await eventually(async () => worker!.get(InFlightTasks).size === 0);
      const job = await getJob(auth, created.job_id);
      expect(job).toMatchObject({ job_status: 'CANCELED', cancel_reason: 'remote' });
    });
  });
});
