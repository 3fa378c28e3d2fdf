import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import { createApp } from '../../apps/api/create-app';
import { WorkerModule } from '../../apps/worker/worker.module';
import { MetricsService } from '../../libs/common/src/metrics';
import { AgentServer, createHttpJobType, startAgentServer } from '../support/agent-server';
import { freePort } from '../support/processes';
import { jobsApi } from '../support/jobs';
import { MetricSample, metricValue, parseMetrics, scrapeMetrics } from '../support/metrics';
import { expectProblem } from '../support/problem';
import { eventually, inAnHour, startTestApp, TestApp } from '../support/test-app';

const METRICS_TOKEN = 'metrics-token-of-the-e2e-test-0123';

/**
 * GET /metrics of the API and of a worker process (METRICS_PORT): the token rule, values that
 * move when jobs run (each process counts what it did), and label sets without ids.
 */
describe('metrics', () => {
  let t: TestApp;
  let agent: AgentServer;
  let worker: INestApplicationContext;
  let workerUrl: string;

  beforeAll(async () => {
    [t, agent] = await Promise.all([startTestApp({ withWorker: false, env: { METRICS_TOKEN } }), startAgentServer()]);
    const port = await freePort();
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot({ ...t.env, METRICS_PORT: String(port) }), { logger: ['error'] });
    workerUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await worker?.close();
    await agent?.close();
    await t?.close();
  });

  const { orgWithToken, createJob, waitForStatus } = jobsApi(() => t, { orgLabel: 'metrics', channelCode: 'CMETRICS' });
  const api = () => scrapeMetrics(t.url, METRICS_TOKEN);
  const work = () => scrapeMetrics(workerUrl, METRICS_TOKEN);

  it('GET /metrics needs the bearer METRICS_TOKEN when one is set: 401 problem+json otherwise, API tokens included', async () => {
    const { auth } = await orgWithToken();
    for (const headers of [{}, auth, { Authorization: `Bearer ${METRICS_TOKEN}x` }, { Authorization: METRICS_TOKEN }]) {
      expectProblem(await t.http().get('/metrics').set(headers), 401, 'UNAUTHORIZED');
    }
    const ok = await t.http().get('/metrics').set({ Authorization: `Bearer ${METRICS_TOKEN}` });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain;.*\bversion=0\.0\.4/);
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(parseMetrics(ok.text).length).toBeGreaterThan(0);
    expectProblem(await t.http().get('/metrics?format=json').set({ Authorization: `Bearer ${METRICS_TOKEN}` }), 400, 'VALIDATION_ERROR');
  });

  it('values move when jobs run: requests by route template, jobs created and finished, task outcomes, queue depths; no id in any label', async () => {
    const { org, auth, tokenId } = await orgWithToken();
    const done = await createHttpJobType(t, agent, auth, { id: 'm-complete', behaviour: 'complete' });
    const failing = await createHttpJobType(t, agent, auth, { id: 'm-fail', behaviour: 'http-500' });
    const [api0, work0] = await Promise.all([api(), work()]);

    const completed = await Promise.all([1, 2, 3].map(() => createJob(auth, org, done.id)));
    for (const job of completed) expect((await waitForStatus(auth, job.job_id, ['COMPLETED', 'FAILED'])).job_status).toBe('COMPLETED');
    const failed = await createJob(auth, org, failing.id, { config: { max_task_retries: 0 } });
    expect((await waitForStatus(auth, failed.job_id, ['COMPLETED', 'FAILED'])).job_status).toBe('FAILED');
    const later = await createJob(auth, org, done.id, { scheduled_at: inAnHour() });
    expect(later.job_status).toBe('SCHEDULED');
    expect((await t.http().get(`/services/agent-jobs/${later.job_id}`).set(auth)).status).toBe(200);
    expect((await t.http().get('/services/agent-jobs/job_does_not_exist').set(auth)).status).toBe(404);
    expect((await t.http().get(`/nothing/here/${org}`)).status).toBe(404);

    // The scheduled job waits in Bull as a delayed job: both processes read that from Redis.
    const delayed = { queue: 'agent-tasks', state: 'delayed' };
    const [api1, work1] = await Promise.all([api(), work()]);
    expect(metricValue(api1, 'agent_jobs_queue_jobs', delayed)).toBeGreaterThanOrEqual(1);
    expect(metricValue(work1, 'agent_jobs_queue_jobs', delayed)).toBe(metricValue(api1, 'agent_jobs_queue_jobs', delayed));
    await t.http().delete(`/services/agent-jobs/${later.job_id}`).set(auth).send({ reason: 'not needed' }).expect(200);
    // Removed from Bull with the cancel (the gauge is read at each scrape).
    await eventually(async () => metricValue(await api(), 'agent_jobs_queue_jobs', delayed) < metricValue(api1, 'agent_jobs_queue_jobs', delayed));

    const [api2, work2] = await Promise.all([api(), work()]);
    const moved = (before: MetricSample[], after: MetricSample[], name: string, labels: Record<string, string>) =>
      metricValue(after, name, labels) - metricValue(before, name, labels);
    // The API counted the requests, by route template, and the jobs it created and canceled.
    expect(moved(api0, api2, 'agent_jobs_http_requests_total', { method: 'POST', route: '/services/agent-jobs', status: '201' })).toBe(5);
    expect(moved(api0, api2, 'agent_jobs_http_requests_total', { method: 'GET', route: '/services/agent-jobs/:id', status: '200' })).toBeGreaterThanOrEqual(5);
    expect(moved(api0, api2, 'agent_jobs_http_requests_total', { method: 'GET', route: '/services/agent-jobs/:id', status: '404' })).toBe(1);
    expect(moved(api0, api2, 'agent_jobs_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(moved(api0, api2, 'agent_jobs_http_request_duration_seconds_count', { route: '/services/agent-jobs', status: '201' })).toBe(5);
    expect(moved(api0, api2, 'agent_jobs_jobs_created_total', { status: 'WAITING', job_type: 'm-complete' })).toBe(3);
    expect(moved(api0, api2, 'agent_jobs_jobs_created_total', { status: 'WAITING', job_type: 'm-fail' })).toBe(1);
    expect(moved(api0, api2, 'agent_jobs_jobs_created_total', { status: 'SCHEDULED', job_type: 'm-complete' })).toBe(1);
    expect(moved(api0, api2, 'agent_jobs_jobs_finished_total', { status: 'CANCELED', job_type: 'm-complete' })).toBe(1);
    // The worker ran the tasks and finished those jobs; it serves no HTTP API of its own.
    expect(moved(work0, work2, 'agent_jobs_jobs_finished_total', { status: 'COMPLETED', job_type: 'm-complete' })).toBe(3);
    expect(moved(work0, work2, 'agent_jobs_jobs_finished_total', { status: 'FAILED', job_type: 'm-fail' })).toBe(1);
    expect(moved(work0, work2, 'agent_jobs_task_duration_seconds_count', { executor: 'http', outcome: 'completed' })).toBe(3);
    expect(moved(work0, work2, 'agent_jobs_task_duration_seconds_count', { executor: 'http', outcome: 'failed' })).toBe(1);
    expect(metricValue(work2, 'agent_jobs_http_requests_total')).toBe(0);
    expect(metricValue(api2, 'agent_jobs_task_duration_seconds_count')).toBe(0);

    // Bounded label sets: templates and names, never an org, a token or an id.
    const ids = [org, tokenId, ...completed.map((j) => j.job_id), failed.job_id, later.job_id, ...completed.map((j) => j.tasks[0].task_id)];
    for (const sample of [...api2, ...work2]) {
      for (const value of Object.values(sample.labels)) {
        expect(value).not.toMatch(/\b(job|task|tok|ses)_[0-9A-Za-z]{6,}/);
        for (const id of ids) expect(value).not.toContain(id);
      }
    }
  });

  it('reports default Node metrics under the prefix: event-loop lag, heap, GC', async () => {
    for (const samples of await Promise.all([api(), work()])) {
      const names = new Set(samples.map((s) => s.name));
      for (const name of ['agent_jobs_nodejs_eventloop_lag_seconds', 'agent_jobs_nodejs_heap_size_used_bytes', 'agent_jobs_process_cpu_seconds_total']) {
        expect(names).toContain(name);
      }
      expect([...names].some((n) => n.startsWith('agent_jobs_nodejs_gc_duration_seconds'))).toBe(true);
    }
  });

  it('the worker\'s METRICS_PORT server has the same token rule and answers GET /metrics only', async () => {
    const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => fetch(`${workerUrl}${path}`, { method, headers });
    for (const res of [await get('/metrics'), await get('/metrics', { Authorization: 'Bearer wrong-token-of-the-right-size' })]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    }
    expect((await get('/health', { Authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(404);
    expect((await get('/metrics', { Authorization: `Bearer ${METRICS_TOKEN}` }, 'POST')).status).toBe(405);
  });

  it('METRICS_ENABLED=false: GET /metrics is 404 and nothing is recorded', async () => {
    const app = await createApp({ env: { ...t.env, METRICS_ENABLED: 'false' }, withWorker: false, logger: ['error'] });
    try {
      await app.init();
      expectProblem(await request(app.getHttpServer()).get('/metrics').set({ Authorization: `Bearer ${METRICS_TOKEN}` }), 404, 'NOT_FOUND');
      expect(await app.get(MetricsService).render()).not.toMatch(/^agent_jobs_\w+(\{.*\})? /m);
    } finally {
      await app.close();
    }
  });
});
