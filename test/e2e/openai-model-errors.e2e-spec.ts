import { freePort } from '../support/processes';
import { jobsApi } from '../support/jobs';
import { createOpenAiJobType, OpenAiServer, startOpenAiServer } from '../support/openai-server';
import { eventually, startTestApp, TestApp } from '../support/test-app';

/** What a model server's errors do to a task: retried within the time limit (429, 5xx), or failed at once with a code. */
describe('openai executor: model errors, timeouts and cancel', () => {
  let t: TestApp;
  let model: OpenAiServer;

  beforeAll(async () => {
    [t, model] = await Promise.all([startTestApp({ env: { MODEL_RETRY_BASE_MS: '50' } }), startOpenAiServer()]);
  });
  afterAll(async () => {
    await model?.close();
    await t?.close();
  });

  const { orgWithToken, createJob, getJob, waitForStatus } = jobsApi(() => t, { orgLabel: 'oai-err', channelCode: 'COAIERR' });
  const once = { max_task_retries: 0 };

  it('429 with Retry-After, then an answer: waits what the server asked, then completes in the same task', async () => {
    const { org, auth } = await orgWithToken();
    const script = model.script({ status: 429, headers: { 'retry-after': '1' } }, { text: 'done' });
    const jt = await createOpenAiJobType(t, auth, { id: 'rate-limited', script, default_config: once });
    const job = await waitForStatus(auth, (await createJob(auth, org, jt.id)).job_id, ['COMPLETED', 'FAILED']);

    expect(job.job_status).toBe('COMPLETED');
    expect(job.result.response).toBe('done');
    expect(job.tasks).toHaveLength(1);
    expect(script.requests.map((r) => r.answered)).toEqual([429, 200]);
    expect(script.requests[1].receivedAt - script.requests[0].receivedAt).toBeGreaterThanOrEqual(950);
  });

  it('500 twice, then an answer: retried with backoff, completes in the same task', async () => {
    const { org, auth } = await orgWithToken();
    const script = model.script({ status: 500 }, { status: 503 }, { text: 'recovered' });
    const jt = await createOpenAiJobType(t, auth, { id: 'flaky-model', script, default_config: once });
    const job = await waitForStatus(auth, (await createJob(auth, org, jt.id)).job_id, ['COMPLETED', 'FAILED']);

    expect(job.job_status).toBe('COMPLETED');
    expect(job.result).toMatchObject({ response: 'recovered', iterations: 1 });
    expect(script.requests.map((r) => r.answered)).toEqual([500, 503, 200]);
  });

  it('a 5xx that never ends fails MODEL_UNAVAILABLE after the retries', async () => {
    const { org, auth } = await orgWithToken();
    const down = () => ({ status: 502 });
    const script = model.script(down, down, down, down, down, down, down);
    const jt = await createOpenAiJobType(t, auth, { id: 'down-model', script, default_config: once });
    const job = await waitForStatus(auth, (await createJob(auth, org, jt.id)).job_id, ['COMPLETED', 'FAILED'], 15_000);

    expect(job.error).toEqual({ code: 'MODEL_UNAVAILABLE', message: expect.stringContaining('HTTP 502') });
    expect(script.requests).toHaveLength(6); // the call and its 5 retries
  });

  it('a Retry-After past the time limit fails at once (MODEL_RATE_LIMITED) instead of waiting for the timeout', async () => {
    const { org, auth } = await orgWithToken();
    const script = model.script({ status: 429, headers: { 'retry-after': '600' }, body: { error: { message: 'slow down' } } });
    const jt = await createOpenAiJobType(t, auth, { id: 'rate-limited-long', script, default_config: { ...once, max_time_to_complete: 60 } });
    const job = await waitForStatus(auth, (await createJob(auth, org, jt.id)).job_id, ['COMPLETED', 'FAILED']);

    expect(job.error).toEqual({ code: 'MODEL_RATE_LIMITED', message: expect.stringContaining('slow down') });
    expect(job.error.message).toContain('the time limit comes first');
    expect(script.requests).toHaveLength(1);
  });

  it.each([
    [401, 'MODEL_AUTH_FAILED'],
    [403, 'MODEL_AUTH_FAILED'],
    [404, 'MODEL_NOT_FOUND'],
  ])('HTTP %i from the model fails at once with %s (never retried), the server\'s words in the message', async (status, code) => {
    const { org, auth } = await orgWithToken();
    const script = model.script({ status, body: { error: { message: `scripted ${status}`, type: 'invalid_request_error' } } });
    const jt = await createOpenAiJobType(t, auth, { id: `model-${status}`, script, executor: { api_key: 'sk-scripted' }, default_config: once });
    const job = await waitForStatus(auth, (await createJob(auth, org, jt.id)).job_id, ['COMPLETED', 'FAILED']);

    expect(job.job_status).toBe('FAILED');
    expect(job.error).toEqual({ code, message: expect.stringContaining(`HTTP ${status}: scripted ${status}`) });
    expect(script.requests).toHaveLength(1);
  });

  it('a connection refused is AGENT_UNAVAILABLE', async () => {
    const { org, auth } = await orgWithToken();
    const closed = { baseUrl: `http://127.0.0.1:${await freePort()}/v1` };
    const jt = await createOpenAiJobType(t, auth, { id: 'nobody-home', script: closed, default_config: once });
    const job = await waitForStatus(auth, (await createJob(auth, org, jt.id)).job_id, ['COMPLETED', 'FAILED']);

    expect(job.error).toEqual({ code: 'AGENT_UNAVAILABLE', message: expect.stringContaining('connection refused') });
  });

  it('a model call past timeout_seconds is AGENT_TIMEOUT, and the server sees the call go away', async () => {
    const { org, auth } = await orgWithToken();
    const script = model.script({ hang: true });
    const jt = await createOpenAiJobType(t, auth, { id: 'slow-model', script, executor: { timeout_seconds: 1 }, default_config: once });
    const job = await waitForStatus(auth, (await createJob(auth, org, jt.id)).job_id, ['COMPLETED', 'FAILED']);

    expect(job.error).toEqual({ code: 'AGENT_TIMEOUT', message: expect.stringContaining('within 1000 ms') });
    await eventually(async () => script.requests[0].aborted);
  });

  it('cancel aborts the model call in flight: the server sees it go away, the job stays CANCELED', async () => {
    const { org, auth } = await orgWithToken();
    const script = model.script({ hang: true });
    const jt = await createOpenAiJobType(t, auth, { id: 'canceled-mid-call', script });
    const created = await createJob(auth, org, jt.id);
    await eventually(async () => script.requests.length === 1);
    expect(script.requests[0].aborted).toBe(false);

    const res = await t.http().delete(`/services/agent-jobs/${created.job_id}`).set(auth).send({ reason: 'changed my mind' });
    expect(res.status).toBe(200);
    await eventually(async () => script.requests[0].aborted);
    const job = await getJob(auth, created.job_id);
    expect(job).toMatchObject({ job_status: 'CANCELED', cancel_reason: 'changed my mind', result: null });
    expect(job.tasks.map((x: { status: string }) => x.status)).toEqual(['CANCELED']);
  });

  it('max_time_to_complete aborts the model call in flight: the job fails TIMEOUT', async () => {
    const { org, auth } = await orgWithToken();
    const script = model.script({ hang: true });
    const jt = await createOpenAiJobType(t, auth, { id: 'over-time', script, default_config: { ...once, max_time_to_complete: 1 } });
    const job = await waitForStatus(auth, (await createJob(auth, org, jt.id)).job_id, ['COMPLETED', 'FAILED']);

    expect(job.error.code).toBe('TIMEOUT');
    await eventually(async () => script.requests[0].aborted);
  });
});
