import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { AgentServer, createHttpJobType, startAgentServer } from '../support/agent-server';
import { metricValue, scrapeMetrics } from '../support/metrics';
import { createOpenAiJobType, OpenAiServer, startOpenAiServer } from '../support/openai-server';
import { ApiProcess, startApiProcess } from '../support/processes';
import { SlackServer, startSlackServer } from '../support/slack-server';
import { bearer, createTestDatabase, eventually, newOrg, testEnv } from '../support/test-app';
import { startWebhookReceiver, WebhookReceiver } from '../support/webhook-receiver';

const CLI = join(__dirname, '..', '..', 'dist', 'apps', 'cli', 'main.js');
const METRICS_TOKEN = 'metrics-token-of-the-logs-test-42';
const API_KEY = 'sk-logs-test-api-key-0123456789';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Line = Record<string, unknown> & { msg?: string; req_id?: string; org_id?: string; job_id?: string; task_id?: string; session_id?: string };

/**
 * The logs of a real `npm start` process (API + worker, LOG_FORMAT=json) over a realistic run:
 * tokens, an http agent with its signing secret, Slack delivery with a bot token, a webhook
 * callback signed with the org's secret, an openai job type with an api_key and a session turn.
 * Every line is one JSON object with the ids it is about; no secret used appears anywhere.
 */
describe('logs', () => {
  let slack: SlackServer;
  let agent: AgentServer;
  let model: OpenAiServer;
  let receiver: WebhookReceiver;
  let api: ApiProcess;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    [slack, agent, model, receiver] = await Promise.all([startSlackServer(), startAgentServer(), startOpenAiServer(), startWebhookReceiver()]);
    env = testEnv(await createTestDatabase(), {
      LOG_LEVEL: 'log', LOG_FORMAT: 'json', METRICS_TOKEN, SLACK_API_URL: `${slack.url}/api/`, WEBHOOK_BACKOFF_BASE_MS: '200',
    });
    api = await startApiProcess(env, { withWorker: true });
  }, 90_000);
  afterAll(async () => {
    await api?.stop();
    await Promise.all([slack?.close(), agent?.close(), model?.close(), receiver?.close()]);
  });

  it('one JSON object per line; request lines carry req_id (echoed as X-Request-Id) and org_id, worker lines job_id and task_id; no secret anywhere', async () => {
    const http = () => request(api.url);
    const org = newOrg('logs');
    const cli = await promisify(execFile)(process.execPath, [CLI, 'token', 'create', '--org', org, '--access', 'SERVICES:ADMIN'], { env: { ...process.env, ...env } });
    const adminToken = JSON.parse(cli.stdout).token as string;
    const admin = bearer(adminToken);

    // A token made over HTTP, with a request id of the caller's.
    const created = await http().post('/services/tokens').set(admin).set('X-Request-Id', 'logs-test-req-1').send({ scopes: { SERVICES: 'WRITE' } });
    expect(created.status).toBe(201);
    expect(created.headers['x-request-id']).toBe('logs-test-req-1');
    const writeToken = created.body.data.token as string;
    const auth = bearer(writeToken);

    // Slack with the org's own bot token; the org's webhook signing secret for the callback.
    const botToken = `xoxb-${org}-bot-token`;
    slack.addToken(botToken, { team_id: 'TLOGS', team_name: 'logs' });
    expect((await http().put('/services/integrations/slack').set(admin).send({ bot_token: botToken })).status).toBe(200);
    const webhookSecret = (await http().get('/services/webhooks/signing-secret').set(admin)).body.data.secret as string;
    const callback = receiver.endpoint('ok', {}, [webhookSecret]);

    // An http agent (signed with the job type's secret): its job runs, posts to Slack, calls back.
    const jt = await createHttpJobType({ http }, agent, auth, { id: 'logs-http', behaviour: 'complete' });
    const job = await http().post('/services/agent-jobs').set(auth)
      .send({ target_channel: { org_id: org, platform: 'slack', code: 'C0LOGS001' }, job_type_id: jt.id, params: { q: 1 }, callback_url: callback.url });
    expect(job.status).toBe(201);
    const jobId = job.body.data.job_id as string;
    const taskId = job.body.data.tasks[0].task_id as string;
    await eventually(async () => {
      const { body } = await http().get(`/services/agent-jobs/${jobId}`).set(auth);
      return body.data.job_status === 'COMPLETED' && body.data.delivery?.status === 'DELIVERED';
    }, 20_000);
    await eventually(async () => receiver.forPath(callback.path).some((w) => w.verified), 20_000);

    // An openai job type with an api_key: a job, and a session turn.
    const script = model.script({ text: 'Report: fine.' }, { text: 'Hello from the session.' }, { text: 'Streamed, in the session.' }, { text: 'A job in the session.' });
    await createOpenAiJobType({ http }, auth, { id: 'logs-ai', script, executor: { api_key: API_KEY } });
    const aiJob = await http().post('/services/agent-jobs').set(auth).send({ target_channel: { org_id: org, platform: 'slack', code: 'C0LOGS002' }, job_type_id: 'logs-ai' });
    expect(aiJob.status).toBe(201);
    await eventually(async () => (await http().get(`/services/agent-jobs/${aiJob.body.data.job_id}`).set(auth)).body.data.job_status === 'COMPLETED', 20_000);
    const chat = await http().post('/services/sessions/chat').set(auth).send({ agent_type: 'logs-ai', message: 'hi' });
    expect(chat.status).toBe(200);
    const sessionId = chat.body.meta.session_id as string;
    // A follow-up turn of that session, streamed: its request's lines must name the session too.
    const streamed = await fetch(`${api.url}/services/sessions/chat`, {
      method: 'POST', headers: { ...auth, 'content-type': 'application/json', accept: 'text/event-stream', 'x-request-id': 'logs-test-stream-1' },
      body: JSON.stringify({ session_id: sessionId, message: 'and now?' }),
    });
    expect(streamed.status).toBe(200);
    expect(await streamed.text()).toContain('event: turn.completed');
    // A job in that session: the worker's lines about its task name the session too.
    const sessionJob = await http().post('/services/agent-jobs').set(auth)
      .send({ target_channel: { org_id: org, platform: 'slack', code: 'C0LOGS002' }, job_type_id: 'logs-ai', session_id: sessionId });
    expect(sessionJob.status).toBe(201);
    await eventually(async () => (await http().get(`/services/agent-jobs/${sessionJob.body.data.job_id}`).set(auth)).body.data.job_status === 'COMPLETED', 20_000);
    expect(script.requests.every((r) => r.headers.authorization === `Bearer ${API_KEY}`)).toBe(true);

    // Errors get their id too: a 401, a body the parser refuses, an unknown path.
    const refused = await http().get('/services/agent-jobs').set({ Authorization: `Bearer ${writeToken}x` });
    const malformed = await http().post('/services/agent-jobs').set(auth).set('Content-Type', 'application/json').set('X-Request-Id', 'has spaces, not kept').send('{"x": ');
    const unknown = await http().get(`/no/such/path`);
    expect([refused.status, malformed.status, unknown.status]).toEqual([401, 400, 404]);
    for (const res of [refused, malformed, unknown]) expect(res.headers['x-request-id']).toMatch(UUID);

    // The rest of the metrics moved in this process too (delivery, webhook attempts, turns, tokens).
    const metrics = await scrapeMetrics(api.url, METRICS_TOKEN);
    expect(metricValue(metrics, 'agent_jobs_delivery_duration_seconds_count', { platform: 'slack', outcome: 'delivered' })).toBeGreaterThanOrEqual(2);
    expect(metricValue(metrics, 'agent_jobs_webhook_attempts_total', { outcome: 'delivered', trigger: 'automatic' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(metrics, 'agent_jobs_session_turns_total', { status: 'complete' })).toBe(2);
    expect(metricValue(metrics, 'agent_jobs_model_calls_total', { job_type: 'logs-ai' })).toBe(4);

    await api.stop(); // flushes the log
    const out = api.stdout;
    const lines: Line[] = out.split('\n').filter((l) => l.trim()).map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        throw new Error(`not a JSON line: ${l}`);
      }
    });
    const access = lines.filter((l) => l.msg === 'request completed' || l.msg === 'request errored');
    expect(access.length).toBeGreaterThan(10);
    for (const line of access) expect(typeof line.req_id).toBe('string');
    const accessOf = (reqId: string) => access.filter((l) => l.req_id === reqId);
    expect(accessOf('logs-test-req-1')).toEqual([expect.objectContaining({ org_id: org, route: '/services/tokens', res: { status_code: 201 } })]);
    for (const res of [refused, malformed, unknown]) expect(accessOf(res.headers['x-request-id'])).toHaveLength(1);
    expect(accessOf(refused.headers['x-request-id'])[0]).not.toHaveProperty('org_id');
    // Every authenticated request of the org names it.
    const orgRequests = access.filter((l) => /^\/services\/(agent-jobs|tokens|job-types|sessions|integrations|webhooks)/.test(String((l.req as { url: string }).url)) && (l.res as { status_code: number }).status_code < 400);
    expect(orgRequests.length).toBeGreaterThan(5);
    for (const line of orgRequests) expect(line.org_id).toBe(org);
    // Both turns' requests (the one that made the session, and the streamed follow-up) name the session.
    const turnLines = access.filter((l) => l.route === '/services/sessions/chat');
    expect(turnLines).toHaveLength(2);
    for (const line of turnLines) expect(line).toMatchObject({ org_id: org, session_id: sessionId });
    expect(accessOf('logs-test-stream-1')).toEqual([expect.objectContaining({ session_id: sessionId })]);
    // The worker's lines about the task name its org, job and task.
    const taskLines = lines.filter((l) => l.task_id === taskId);
    expect(taskLines.length).toBeGreaterThanOrEqual(1);
    for (const line of taskLines) expect(line).toMatchObject({ org_id: org, job_id: jobId, task_id: taskId });
    expect(taskLines.some((l) => l.context === 'TaskRunnerService' && /completed/.test(String(l.msg)))).toBe(true);
    const sessionTaskLines = lines.filter((l) => l.job_id === sessionJob.body.data.job_id && l.context === 'TaskRunnerService');
    expect(sessionTaskLines.length).toBeGreaterThanOrEqual(1);
    for (const line of sessionTaskLines) expect(line).toMatchObject({ org_id: org, session_id: sessionId });

    // No secret this run used, in any line of stdout or stderr.
    const everything = out + api.stderr;
    const secrets = { adminToken, writeToken, signingSecret: jt.signing_secret, webhookSecret, botToken, apiKey: API_KEY, metricsToken: METRICS_TOKEN };
    for (const [name, secret] of Object.entries(secrets)) {
      expect(secret.length).toBeGreaterThan(15);
      expect({ name, found: everything.includes(secret) }).toEqual({ name, found: false });
    }
    expect(everything).not.toMatch(/authorization/i);
  });
});
