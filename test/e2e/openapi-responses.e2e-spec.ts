import type { Response } from 'supertest';
import { AgentServer, createHttpJobType } from '../support/agent-server';
import { DocumentedAnswers, servedDocument } from '../support/openapi';
import { SessionAgent, startSessionAgent } from '../support/session-agent';
import { openStream, SseClient } from '../support/sse-client';
import { bearer, eventually, inAnHour, newOrg, startTestApp, TestApp, tokenId } from '../support/test-app';
import { startWebhookReceiver, WebhookReceiver } from '../support/webhook-receiver';

/**
 * The document's response schemas are the real answers: every answer below must have a status
 * its operation documents and fit that response's schema, closed (a member the document does
 * not name fails too). Server-sent events are checked against their documented data.
 */
describe('answers fit the API document', () => {
  let t: TestApp;
  let agent: SessionAgent;
  let receiver: WebhookReceiver;
  let answers: DocumentedAnswers;
  let org: string;
  let write: Record<string, string>;
  let admin: Record<string, string>;
  let adminToken: string;

  /** Sends the request, checks its answer against the document, and returns it. */
  async function documented(method: 'get' | 'post' | 'put' | 'patch' | 'delete', template: string, url: string, opts: { auth?: Record<string, string>; body?: unknown; status: number; headers?: Record<string, string> }) {
    let req = t.http()[method](url).set(opts.auth ?? admin).set(opts.headers ?? {});
    if (opts.body !== undefined) req = req.send(opts.body as object);
    const res: Response = await req;
    expect({ method, url, status: res.status, body: res.status === opts.status ? undefined : res.body }).toEqual({ method, url, status: opts.status, body: undefined });
    answers.expect(res, method, template);
    return res;
  }
  const stream = async (path: string, template: string, token: string, until: (c: SseClient) => boolean, close = false) => {
    const client = await openStream(t.url, path, token);
    expect(client.status).toBe(200);
    await client.waitFor(until);
    if (close) await client.close();
    else await client.ended;
    answers.expectEvents(client.messages, 'get', template);
    return client;
  };
  const channel = (path: string) => ({ org_id: org, platform: 'webhook', code: `hook-${path}`, data: { url: receiver.endpoint('ok').url } });

  beforeAll(async () => {
    [t, agent, receiver] = await Promise.all([startTestApp({ withWorker: true }), startSessionAgent(), startWebhookReceiver()]);
    answers = new DocumentedAnswers(await servedDocument(t));
    org = newOrg('oas-answers');
    adminToken = await t.token(org, { SERVICES: 'ADMIN' });
    admin = bearer(adminToken);
    write = bearer(await t.token(org, { SERVICES: 'WRITE' }));
  });
  afterAll(async () => {
    await Promise.all([agent?.close(), receiver?.close()]);
    await t?.close();
  });

  it('job types: builtin, http and openai executors; list, get, change, rotate, delete', async () => {
    await documented('post', '/services/job-types', '/services/job-types', { status: 201, body: { id: 'echo', name: 'Echo', executor: { type: 'builtin', name: 'echo' } } });
    await documented('post', '/services/job-types', '/services/job-types', {
      status: 201,
      body: {
        id: 'model', name: 'Model', description: 'an openai executor', params_schema: { type: 'object' }, default_config: { max_task_retries: 0, start_prompt: 'Be brief' },
        executor: {
          type: 'openai', base_url: `${agent.url}/v1`, model: 'test-model', api_key: 'sk-test', system_prompt: 'You help', temperature: 0.2,
          tools: [{ type: 'builtin', name: 'list_jobs' }, { type: 'http', name: 'lookup', description: 'Looks up', parameters: { type: 'object' }, url: `${agent.url}/tool` }],
        },
      },
    });
    await createHttpJobType(t, agent as AgentServer, write, { id: 'later', behaviour: 'accept' });
    const list = await documented('get', '/services/job-types', '/services/job-types', { status: 200 });
    expect(list.body.data.map((j: { id: string }) => j.id).sort()).toEqual(['echo', 'later', 'model']);
    expect(list.body.data.find((j: { id: string }) => j.id === 'model').executor.api_key_set).toBe(true);
    await documented('get', '/services/job-types/{id}', '/services/job-types/model', { status: 200 });
    await documented('patch', '/services/job-types/{id}', '/services/job-types/model', { status: 200, body: { description: null, output_schema: { type: 'object' } } });
    await documented('post', '/services/job-types/{id}/signing-secret/rotate', '/services/job-types/model/signing-secret/rotate', { status: 200 });
    await documented('delete', '/services/job-types/{id}', '/services/job-types/model', { status: 200 });
  });

  it('jobs: create (and replay), a finished job with tasks, events, stream, deliveries, channel; list pages; cancel', async () => {
    const hook = receiver.endpoint('ok');
    const body = {
      target_channel: channel('a'), job_type_id: 'echo', params: { n: 1 }, metadata: { from: 'openapi' },
      callback_url: hook.url, observers: [{ type: 'webhook', url: receiver.endpoint('ok').url, events: ['running', 'completed'] }],
    };
    const created = await documented('post', '/services/agent-jobs', '/services/agent-jobs', { auth: write, status: 201, body, headers: { 'Idempotency-Key': `oas-${org}` } });
    await documented('post', '/services/agent-jobs', '/services/agent-jobs', { auth: write, status: 200, body, headers: { 'Idempotency-Key': `oas-${org}` } });
    const id = created.body.data.job_id as string;
    const jobUrl = `/services/agent-jobs/${id}`;
    await stream(`${jobUrl}/stream`, '/services/agent-jobs/{id}/stream', adminToken, (c) => c.messages.some((m) => m.event === 'delivery'));
    const done = await documented('get', '/services/agent-jobs/{id}', jobUrl, { status: 200 });
    expect(done.body.data).toEqual(expect.objectContaining({ job_status: 'COMPLETED', delivery: expect.objectContaining({ status: 'DELIVERED' }) }));
    await documented('get', '/services/agent-jobs/{id}/events', `${jobUrl}/events`, { status: 200 });
    const deliveries = await eventually(async () => {
      const res = await t.http().get(`${jobUrl}/deliveries`).set(admin);
      return res.body.data?.length === 3 && res.body.data.every((d: { status: string }) => d.status === 'SUCCEEDED') && res;
    });
    answers.expect(deliveries, 'get', '/services/agent-jobs/{id}/deliveries');
    const deliveryId = deliveries.body.data[0].delivery_id;
    await documented('post', '/services/agent-jobs/{id}/deliveries/{delivery_id}/redeliver', `${jobUrl}/deliveries/${deliveryId}/redeliver`, { auth: write, status: 200 });

    const scheduled = await documented('post', '/services/agent-jobs', '/services/agent-jobs?delay=1', { auth: write, status: 201, body: { ...body, callback_url: undefined, scheduled_at: inAnHour() } });
    const list = await documented('get', '/services/agent-jobs', '/services/agent-jobs?limit=1&status=COMPLETED,SCHEDULED', { status: 200 });
    expect(list.body.meta.next_cursor).toEqual(expect.any(String));
    await documented('get', '/services/agent-jobs', `/services/agent-jobs?limit=1&status=COMPLETED,SCHEDULED&cursor=${list.body.meta.next_cursor}`, { status: 200 });
    const cancelUrl = `/services/agent-jobs/${scheduled.body.data.job_id}`;
    await documented('delete', '/services/agent-jobs/{id}', cancelUrl, { auth: write, status: 200, body: { reason: 'not needed' } });
    await documented('delete', '/services/agent-jobs/{id}', cancelUrl, { auth: write, status: 409 });
    const canceled = await documented('get', '/services/agent-jobs/{id}', cancelUrl, { status: 200 });
    expect(canceled.body.data).toEqual(expect.objectContaining({ job_status: 'CANCELED', cancel_reason: 'not needed' }));

    const channels = await documented('get', '/services/channels', '/services/channels', { status: 200 });
    await documented('get', '/services/channels/{id}', `/services/channels/${channels.body.data[0].id}`, { status: 200 });
  });

  it("an agent's task result, and the org's event stream", async () => {
    const events = openStream(t.url, '/services/events/stream?kind=transition', adminToken);
    const created = await t.http().post('/services/agent-jobs').set(write).send({ target_channel: channel('b'), job_type_id: 'later' });
    expect(created.status).toBe(201);
    const { job_id: jobId, tasks: [{ task_id: taskId }] } = created.body.data;
    const request = await eventually(async () => agent.forJob(jobId)[0]?.answered?.status === 202 && agent.forJob(jobId)[0]);
    await documented('post', '/services/agent-jobs/{id}/tasks/{task_id}/result', `/services/agent-jobs/${jobId}/tasks/${taskId}/result`, {
      auth: bearer(request.body!.callback.token), status: 200, body: { status: 'completed', result: { reported: true } },
    });
    const client = await events;
    await client.waitFor((c) => c.events.some((e) => e.job_id === jobId && e.to === 'COMPLETED'));
    await client.close();
    answers.expectEvents(client.messages, 'get', '/services/events/stream');
  });

  it('sessions: chat as JSON and as server-sent events, list, get, turns, TTL, cancel, delete', async () => {
    await createHttpJobType(t, agent, write, { id: 'helper', behaviour: 'turn', query: { tools: 2, prompt: 7, completion: 5 } });
    const first = await documented('post', '/services/sessions/chat', '/services/sessions/chat', { auth: write, status: 200, body: { agent_type: 'helper', message: 'hello', context: { a: 1 } } });
    const sessionId = first.body.data.session_id as string;
    const sse = await SseClient.open(`${t.url}/services/sessions/chat`, write, { session_id: sessionId, message: 'again' });
    await sse.ended;
    expect(sse.messages.map((m) => m.event)).toEqual(['turn.started', 'tool_call', 'tool_call', 'turn.completed']);
    answers.expectEvents(sse.messages, 'post', '/services/sessions/chat');
    const url = `/services/sessions/${sessionId}`;
    await documented('get', '/services/sessions', '/services/sessions?status=idle', { status: 200 });
    const session = await documented('get', '/services/sessions/{id}', url, { status: 200 });
    expect(session.body.data.messages).toHaveLength(4);
    await documented('get', '/services/sessions/{id}/turns', `${url}/turns`, { status: 200 });
    await documented('patch', '/services/sessions/{id}', url, { auth: write, status: 200, body: { ttl_hours: 48 } });
    await documented('post', '/services/sessions/{id}/cancel', `${url}/cancel`, { auth: write, status: 409, body: {} });
    await documented('delete', '/services/sessions/{id}', url, { auth: write, status: 200 });
    await documented('get', '/services/sessions/{id}', url, { status: 404 });
  });

  it('schedules: create, list, get, runs, pause, delete', async () => {
    const created = await documented('post', '/services/schedules', '/services/schedules', {
      auth: write, status: 201, body: { name: 'daily', cron: '0 9 * * *', timezone: 'Europe/Paris', job: { target_channel: channel('c'), job_type_id: 'echo' } },
    });
    const url = `/services/schedules/${created.body.data.id}`;
    await documented('get', '/services/schedules', '/services/schedules', { status: 200 });
    await documented('get', '/services/schedules/{id}', url, { status: 200 });
    await documented('get', '/services/schedules/{id}/runs', `${url}/runs`, { status: 200 });
    const paused = await documented('patch', '/services/schedules/{id}', url, { auth: write, status: 200, body: { enabled: false, name: null } });
    expect(paused.body.data.next_run_at).toBeNull();
    await documented('delete', '/services/schedules/{id}', url, { auth: write, status: 200 });
  });

  it('tokens, the webhook signing secret, Slack, health', async () => {
    const issued = await documented('post', '/services/tokens', '/services/tokens', { status: 201, body: { name: 'ci', scopes: { SERVICES: 'READ' }, expires_in: '1h' } });
    await documented('get', '/services/tokens', '/services/tokens', { status: 200 });
    await documented('delete', '/services/tokens/{id}', `/services/tokens/${tokenId(issued.body.data.token)}`, { status: 200 });
    await documented('get', '/services/webhooks/signing-secret', '/services/webhooks/signing-secret', { status: 200 });
    await documented('get', '/services/webhooks/signing-secret', '/services/webhooks/signing-secret', { status: 409 });
    await documented('post', '/services/webhooks/signing-secret/rotate', '/services/webhooks/signing-secret/rotate', { status: 200 });
    await documented('get', '/services/integrations/slack', '/services/integrations/slack', { status: 200 });
    await documented('put', '/services/integrations/slack', '/services/integrations/slack', { status: 400, body: { bot_token: 'not-a-token' } });
    await documented('delete', '/services/integrations/slack', '/services/integrations/slack', { status: 404 });
    await documented('get', '/health', '/health', { status: 200, auth: {} });
    await documented('get', '/health/ready', '/health/ready', { status: 200, auth: {} });
  });
});
