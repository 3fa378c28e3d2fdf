import { jobsApi } from '../support/jobs';
import { metricValue, scrapeMetrics } from '../support/metrics';
import { createOpenAiJobType, OpenAiServer, startOpenAiServer } from '../support/openai-server';
import { startTestApp, TestApp } from '../support/test-app';
import { startToolServer, ToolServer } from '../support/tool-server';

/** The openai executor's tool loop on the real worker, against a local server speaking the Chat Completions protocol. */
describe('openai executor: the tool loop', () => {
  let t: TestApp;
  let model: OpenAiServer;
  let tools: ToolServer;

  beforeAll(async () => {
    [t, model, tools] = await Promise.all([startTestApp(), startOpenAiServer(), startToolServer()]);
  });
  afterAll(async () => {
    await Promise.all([model?.close(), tools?.close()]);
    await t?.close();
  });

  const { orgWithToken, createJob, waitForStatus } = jobsApi(() => t, { orgLabel: 'oai-loop', channelCode: 'COAI' });
  const weatherParams = { type: 'object', required: ['city'], additionalProperties: false, properties: { city: { type: 'string' } } };

  it('sends system prompt, start_prompt and params in order with the tools and the key; feeds tool results back by tool_call_id; completes with usage summed', async () => {
    const { org, auth } = await orgWithToken();
    const tool = tools.endpoint('echo');
    const script = model.script(
      { tool_calls: [{ id: 'call_w1', name: 'weather', arguments: { city: 'Paris' } }], text: 'Let me look.', usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 } },
      { text: 'It is sunny in Paris.', usage: { prompt_tokens: 150, completion_tokens: 10, total_tokens: 160 } },
    );
    const jt = await createOpenAiJobType(t, auth, {
      id: 'weather', script,
      executor: {
        api_key: 'sk-test-loop-1', system_prompt: 'You are a weather bot.', temperature: 0.2,
        tools: [{ type: 'http', name: 'weather', description: 'The weather of a city', parameters: weatherParams, url: tool.url }],
      },
      default_config: { start_prompt: 'Answer in one sentence.' },
    });
    tools.setSecret(tool.path, jt.signing_secret);
    const created = await createJob(auth, org, jt.id, { params: { city: 'Paris' } });
    const job = await waitForStatus(auth, created.job_id, ['COMPLETED', 'FAILED']);

    expect(job.job_status).toBe('COMPLETED');
    const usage = { prompt: 250, completion: 30, total: 280 };
    expect(job.result).toEqual({
      response: 'It is sunny in Paris.', iterations: 2, usage,
      tool_calls: [{ tool: 'weather', status: 'ok', duration_ms: expect.any(Number), error_code: null }],
    });
    expect(script.requests).toHaveLength(2);
    const [first, second] = script.requests;
    expect(first.headers.authorization).toBe('Bearer sk-test-loop-1');
    expect(first.body).toMatchObject({ model: 'model-weather', temperature: 0.2 });
    expect(first.body.response_format).toBeUndefined();
    expect(first.body.messages).toEqual([
      { role: 'system', content: 'You are a weather bot.\n\nAnswer in one sentence.' },
      { role: 'user', content: JSON.stringify({ params: { city: 'Paris' } }) },
    ]);
    expect(first.body.tools).toEqual([{ type: 'function', function: { name: 'weather', description: 'The weather of a city', parameters: weatherParams } }]);
    // The tool was reached, signed with the job type's secret, with the arguments as its body.
    const [call] = tools.forPath(tool.path);
    expect(call.verified).toBe(true);
    expect(call.body).toEqual({ city: 'Paris' });
    expect(call.headers['webhook-id']).toBe(`${created.tasks[0].task_id}:call_w1`);
    // The second call carries the whole conversation: the assistant's tool call, then its result.
    expect(second.body.messages.slice(2)).toEqual([
      { role: 'assistant', content: 'Let me look.', tool_calls: [{ id: 'call_w1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_w1', content: JSON.stringify({ echo: { city: 'Paris' }, path: tool.path }) },
    ]);
    expect(second.body.messages.slice(0, 2)).toEqual(first.body.messages);
  });

  it('runs the tool calls of one answer concurrently (the receiver answers only once both have arrived)', async () => {
    const { org, auth } = await orgWithToken();
    const tool = tools.endpoint('barrier', { n: 2 });
    const script = model.script(
      { tool_calls: [{ id: 'call_a', name: 'weather', arguments: { city: 'Lyon' } }, { id: 'call_b', name: 'weather', arguments: { city: 'Nice' } }] },
      { text: 'Both sunny.' },
    );
    const jt = await createOpenAiJobType(t, auth, {
      id: 'parallel', script,
      executor: { tools: [{ type: 'http', name: 'weather', description: 'Weather', parameters: weatherParams, url: tool.url, timeout_seconds: 5 }] },
    });
    tools.setSecret(tool.path, jt.signing_secret);
    const job = await waitForStatus(auth, (await createJob(auth, org, jt.id)).job_id, ['COMPLETED', 'FAILED']);

    expect(job.job_status).toBe('COMPLETED');
    expect(job.result.tool_calls.map((c: { status: string }) => c.status)).toEqual(['ok', 'ok']);
    const results = script.requests[1].body.messages.filter((m) => m.role === 'tool');
    expect(results.map((m) => [m.tool_call_id, JSON.parse(m.content!)])).toEqual([
      ['call_a', { echo: { city: 'Lyon' }, arrived_together: 2 }],
      ['call_b', { echo: { city: 'Nice' }, arrived_together: 2 }],
    ]);
    // No Authorization header without an api_key (local servers want none).
    expect(script.requests[0].headers.authorization).toBeUndefined();
  });

  it('tells the model about failed tool calls and goes on: invalid arguments (never sent), an unknown tool, a 500, a body that is not JSON', async () => {
    const { org, auth } = await orgWithToken();
    const [ok, fail, notJson] = [tools.endpoint('echo'), tools.endpoint('fail'), tools.endpoint('not-json')];
    const script = model.script(
      {
        tool_calls: [
          { id: 'c1', name: 'weather', arguments: { town: 'Paris' } },
          { id: 'c2', name: 'weather', arguments: '{"city": ' },
          { id: 'c3', name: 'nope', arguments: {} },
          { id: 'c4', name: 'broken', arguments: {} },
          { id: 'c5', name: 'texty', arguments: {} },
        ],
      },
      { text: 'Sorry, the tools failed.' },
    );
    const noArgs = { type: 'object', properties: {} };
    const jt = await createOpenAiJobType(t, auth, {
      id: 'failing-tools', script,
      executor: {
        tools: [
          { type: 'http', name: 'weather', description: 'Weather', parameters: weatherParams, url: ok.url },
          { type: 'http', name: 'broken', description: 'Always 500', parameters: noArgs, url: fail.url },
          { type: 'http', name: 'texty', description: 'Not JSON', parameters: noArgs, url: notJson.url },
        ],
      },
    });
    for (const ep of [ok, fail, notJson]) tools.setSecret(ep.path, jt.signing_secret);
    const job = await waitForStatus(auth, (await createJob(auth, org, jt.id)).job_id, ['COMPLETED', 'FAILED']);

    expect(job.job_status).toBe('COMPLETED');
    expect(job.result.response).toBe('Sorry, the tools failed.');
    expect(job.result.tool_calls.map((c: { tool: string; status: string; error_code: string }) => [c.tool, c.status, c.error_code])).toEqual([
      ['weather', 'error', 'INVALID_ARGUMENTS'], ['weather', 'error', 'INVALID_ARGUMENTS'], ['nope', 'error', 'UNKNOWN_TOOL'],
      ['broken', 'error', 'TOOL_HTTP_ERROR'], ['texty', 'error', 'TOOL_BAD_RESPONSE'],
    ]);
    expect(tools.forPath(ok.path)).toHaveLength(0); // invalid arguments never reach the tool
    const results = script.requests[1].body.messages.filter((m) => m.role === 'tool').map((m) => [m.tool_call_id, JSON.parse(m.content!).error]);
    expect(results).toEqual([
      ['c1', { code: 'INVALID_ARGUMENTS', message: expect.stringContaining('city') }],
      ['c2', { code: 'INVALID_ARGUMENTS', message: 'the arguments are not valid JSON' }],
      ['c3', { code: 'UNKNOWN_TOOL', message: expect.stringContaining('weather, broken, texty') }],
      ['c4', { code: 'TOOL_HTTP_ERROR', message: expect.stringContaining('HTTP 500') }],
      ['c5', { code: 'TOOL_BAD_RESPONSE', message: expect.stringContaining('not JSON') }],
    ]);
  });

  it('stops after max_iterations model calls: the task fails with MAX_ITERATIONS_REACHED and the partial answer; usage counts every call', async () => {
    const { org, auth } = await orgWithToken();
    const tool = tools.endpoint('echo');
    const loopForever = () => ({ tool_calls: [{ id: `c${Math.random().toString(36).slice(2)}`, name: 'weather', arguments: { city: 'Oslo' } }], text: 'Still looking…' });
    const script = model.script(loopForever, loopForever, loopForever, loopForever);
    const jt = await createOpenAiJobType(t, auth, {
      id: 'looping', script,
      executor: { tools: [{ type: 'http', name: 'weather', description: 'Weather', parameters: weatherParams, url: tool.url }] },
      default_config: { max_iterations: 3, max_task_retries: 0 },
    });
    tools.setSecret(tool.path, jt.signing_secret);
    const job = await waitForStatus(auth, (await createJob(auth, org, jt.id)).job_id, ['COMPLETED', 'FAILED']);

    expect(job.job_status).toBe('FAILED');
    expect(job.error).toEqual({ code: 'MAX_ITERATIONS_REACHED', message: expect.stringContaining('after 3 model calls') });
    expect(job.error.message).toContain('Still looking…');
    expect(script.requests).toHaveLength(3);
    expect(tools.forPath(tool.path)).toHaveLength(3);
    // The failed task's tokens still count, in /metrics (by job type: no other test here names one 'looping').
    const metrics = await scrapeMetrics(t.url);
    expect(metricValue(metrics, 'agent_jobs_model_calls_total', { job_type: 'looping' })).toBe(3);
    expect(metricValue(metrics, 'agent_jobs_model_tokens_total', { job_type: 'looping', kind: 'prompt' })).toBe(33);
    expect(metricValue(metrics, 'agent_jobs_model_tokens_total', { job_type: 'looping', kind: 'completion' })).toBe(21);
  });

  it('asks for JSON with an output_schema: a fitting answer is the result; a misfit fails OUTPUT_SCHEMA_MISMATCH and is retried', async () => {
    const { org, auth } = await orgWithToken();
    const schema = { type: 'object', required: ['text'], properties: { text: { type: 'string' } } };
    const script = model.script({ json: { headline: 'no text field' } }, { json: { text: 'Daily report: all good.' } });
    const jt = await createOpenAiJobType(t, auth, { id: 'json-report', script, output_schema: schema, default_config: { task_retry_interval: 0 } });
    const job = await waitForStatus(auth, (await createJob(auth, org, jt.id)).job_id, ['COMPLETED', 'FAILED']);

    expect(job.job_status).toBe('COMPLETED');
    expect(job.result).toEqual({ text: 'Daily report: all good.' });
    expect(job.tasks.map((x: { status: string; error: { code: string } | null }) => [x.status, x.error?.code ?? null])).toEqual([
      ['FAILED', 'OUTPUT_SCHEMA_MISMATCH'], ['COMPLETED', null],
    ]);
    expect(script.requests[0].body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'result', schema, strict: false } });
    expect(script.requests[0].body.tools).toBeUndefined();
  });
});
