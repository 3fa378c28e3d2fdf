import { metricValue, scrapeMetrics } from '../support/metrics';
import { AgentServer, createHttpJobType, startAgentServer } from '../support/agent-server';
import { jobsApi } from '../support/jobs';
import { createOpenAiJobType, OpenAiServer, startOpenAiServer } from '../support/openai-server';
import { expectProblem } from '../support/problem';
import { SlackServer, startSlackServer } from '../support/slack-server';
import { bearer, eventually, newOrg, startTestApp, TestApp } from '../support/test-app';

type Auth = Record<string, string>;

/**
 * What agents spent (spec "Usage on jobs"): a task answer's usage, tool_calls and iterations are
 * stored on the task and summed on the job, from a 200 answer, from the result route after a
 * 202, and from the openai executor's own loop; the process's metrics registry counts them too (by job type).
 */
describe('usage on jobs', () => {
  let t: TestApp;
  let agent: AgentServer;
  let model: OpenAiServer;
  let slack: SlackServer;

  beforeAll(async () => {
    [agent, model, slack] = await Promise.all([startAgentServer(), startOpenAiServer(), startSlackServer()]);
    t = await startTestApp({ env: { SLACK_API_URL: `${slack.url}/api/` } });
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([agent?.close(), model?.close(), slack?.close()]);
  });

  const { orgWithToken, createJob, getJob, waitForStatus } = jobsApi(() => t, { orgLabel: 'usage', channelCode: 'CUSAGE' });
  /** What /metrics counted for a job type: tokens agents reported (http, builtin) and model tokens of openai executors. */
  const spentBy = async (jobType: string) => {
    const m = await scrapeMetrics(t.url);
    const kind = (name: string, k: string) => metricValue(m, name, { job_type: jobType, kind: k });
    return {
      agent: { prompt: kind('agent_jobs_agent_tokens_total', 'prompt'), completion: kind('agent_jobs_agent_tokens_total', 'completion') },
      model: { prompt: kind('agent_jobs_model_tokens_total', 'prompt'), completion: kind('agent_jobs_model_tokens_total', 'completion') },
      modelCalls: metricValue(m, 'agent_jobs_model_calls_total', { job_type: jobType }),
    };
  };
  const NONE = { prompt: 0, completion: 0 };
  const callback = (jobId: string, taskId: string, token: string, body: object) =>
    t.http().post(`/services/agent-jobs/${jobId}/tasks/${taskId}/result`).set('Authorization', `Bearer ${token}`).send(body);

  it('a failed task and its retry: each keeps what it spent, the job sums it, the meter counts it', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'spender', behaviour: 'scripted', default_config: { max_task_retries: 1, task_retry_interval: 0 } });
    agent.script(jt.path, (_task, n) => n === 1
      ? { status: 200, body: {
        status: 'failed', error: { code: 'FLAKY', message: 'try again' }, usage: { prompt: 10, completion: 2 }, iterations: 1,
        tool_calls: [{ tool: 'search', status: 'error', duration_ms: 5, error_code: 'TIMEOUT' }],
      } }
      : { status: 200, body: {
        status: 'completed', result: { answer: 42 }, usage: { prompt: 20, completion: 5, total: 26 }, iterations: 3,
        tool_calls: [{ tool: 'search', status: 'ok', duration_ms: 7.5 }, { tool: 'fetch', status: 'ok', duration_ms: 1 }],
      } });
    const job = await waitForStatus(auth, (await createJob(auth, org, jt.id)).job_id, ['COMPLETED', 'FAILED']);

    expect(job).toMatchObject({ job_status: 'COMPLETED', result: { answer: 42 }, usage: { prompt: 30, completion: 7, total: 38 }, iterations: 4 });
    expect(job.tasks.map((x: Record<string, unknown>) => [x.kind, x.status, x.usage, x.iterations, x.tool_calls])).toEqual([
      ['initial', 'FAILED', { prompt: 10, completion: 2, total: 12 }, 1, [{ tool: 'search', status: 'error', duration_ms: 5, error_code: 'TIMEOUT' }]],
      ['retry', 'COMPLETED', { prompt: 20, completion: 5, total: 26 }, 3,
        [{ tool: 'search', status: 'ok', duration_ms: 7.5, error_code: null }, { tool: 'fetch', status: 'ok', duration_ms: 1, error_code: null }]],
    ]);
    // The list shows the same (Postgres builds that JSON).
    const listed = (await t.http().get('/services/agent-jobs').set(auth)).body.data.find((j: { job_id: string }) => j.job_id === job.job_id);
    expect(listed).toMatchObject({ usage: job.usage, iterations: 4 });
    expect(await spentBy('spender')).toEqual({ agent: { prompt: 30, completion: 7 }, model: NONE, modelCalls: 0 });
  });

  it('a follow-up reported on the result route after 202: the same fields, checked there (400), summed on the job', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'later', behaviour: 'accept', default_config: { max_follow_ups: 1 } });
    const created = await createJob(auth, org, jt.id);
    const call = async (n: number) => (await eventually(async () => agent.forJob(created.job_id).length >= n && agent.forJob(created.job_id)))[n - 1].body!;

    const first = await call(1);
    for (const bad of [{ usage: { prompt: -1 } }, { usage: { prompt: 1.5 } }, { iterations: 'two' }, { tool_calls: [{ status: 'ok' }] }, { usage: { cost: 1 } }]) {
      expectProblem(await callback(created.job_id, first.task_id, first.callback.token, { status: 'completed', result: 'x', ...bad }), 400, 'VALIDATION_ERROR');
    }
    expect((await getJob(auth, created.job_id)).tasks[0].status).toBe('RUNNING');
    const followUp = await callback(created.job_id, first.task_id, first.callback.token, {
      status: 'follow_up', result: { part: 1 }, usage: { prompt: 100, completion: 40 }, iterations: 2, tool_calls: [{ tool: 'crawl', status: 'ok', duration_ms: 30 }],
    });
    expect(followUp.body.data).toMatchObject({ applied: 'follow_up' });
    const second = await call(2);
    expect(second.kind).toBe('follow_up');
    expect((await callback(created.job_id, second.task_id, second.callback.token, { status: 'completed', result: { part: 2 }, usage: { prompt: 1, completion: 1 }, iterations: 1 }))
      .body.data).toMatchObject({ applied: 'completed' });
    // A second report of the same task changes nothing: it is no longer running.
    expectProblem(await callback(created.job_id, second.task_id, second.callback.token, { status: 'completed', usage: { prompt: 1000 } }), 409, 'TASK_NOT_RUNNING');

    const job = await getJob(auth, created.job_id);
    expect(job).toMatchObject({ job_status: 'COMPLETED', usage: { prompt: 101, completion: 41, total: 142 }, iterations: 3 });
    expect(job.tasks.map((x: Record<string, unknown>) => [x.kind, x.usage, x.iterations, (x.tool_calls as unknown[]).length])).toEqual([
      ['initial', { prompt: 100, completion: 40, total: 140 }, 2, 1],
      ['follow_up', { prompt: 1, completion: 1, total: 2 }, 1, 0],
    ]);
    // Counted where the reports came in (this API process), once each.
    expect(await spentBy('later')).toEqual({ agent: { prompt: 101, completion: 41 }, model: NONE, modelCalls: 0 });
  });

  it('a 200 answer with a bad usage is off-protocol: the task fails INVALID_AGENT_RESPONSE and nothing is counted', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'liar', behaviour: 'scripted', default_config: { max_task_retries: 0 } });
    agent.script(jt.path, () => ({ status: 200, body: { status: 'completed', result: 'ok', usage: { prompt: 1e21 } } }));
    const job = await waitForStatus(auth, (await createJob(auth, org, jt.id)).job_id, ['COMPLETED', 'FAILED']);
    expect(job).toMatchObject({ job_status: 'FAILED', error: { code: 'INVALID_AGENT_RESPONSE', message: expect.stringContaining('usage') }, usage: { total: 0 } });
    expect(await spentBy('liar')).toEqual({ agent: NONE, model: NONE, modelCalls: 0 });
  });

  it('an openai job posted to Slack: the model\'s usage on the task and the job, its tool calls on the task', async () => {
    const org = newOrg('usage-oai');
    const admin: Auth = bearer(await t.token(org, { SERVICES: 'ADMIN' }));
    slack.addToken(`xoxb-${org}`, { team_id: 'TUSAGE', team_name: `team-${org}` });
    expect((await t.http().put('/services/integrations/slack').set(admin).send({ bot_token: `xoxb-${org}` })).status).toBe(200);
    const script = model.script(
      { tool_calls: [{ id: 'l', name: 'list_jobs', arguments: {} }], usage: { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 } },
      { text: 'Nothing ran yesterday.', usage: { prompt_tokens: 80, completion_tokens: 12, total_tokens: 92 } },
    );
    await createOpenAiJobType(t, admin, { id: 'reporter', script, executor: { tools: [{ type: 'builtin', name: 'list_jobs' }] } });
    const created = await createJob(admin, org, 'reporter', { target_channel: { org_id: org, platform: 'slack', code: 'CUSAGEOAI' } });
    const job = await eventually(async () => {
      const j = await getJob(admin, created.job_id);
      return j.delivery?.status === 'DELIVERED' && j;
    });

    const usage = { prompt: 130, completion: 22, total: 152 };
    expect(job).toMatchObject({ job_status: 'COMPLETED', usage, iterations: 2, result: { response: 'Nothing ran yesterday.', usage, iterations: 2 } });
    expect(job.tasks).toHaveLength(1);
    expect(job.tasks[0]).toMatchObject({
      status: 'COMPLETED', usage, iterations: 2, tool_calls: [{ tool: 'list_jobs', status: 'ok', duration_ms: expect.any(Number), error_code: null }],
    });
    const [msg] = slack.messagesIn('CUSAGEOAI');
    expect(msg.text).toContain('Nothing ran yesterday.');
    expect(await spentBy('reporter')).toEqual({ agent: NONE, model: { prompt: 130, completion: 22 }, modelCalls: 2 });
  });
});
