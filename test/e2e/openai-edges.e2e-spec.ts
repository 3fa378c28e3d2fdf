import { jobsApi } from '../support/jobs';
import { createOpenAiJobType, OpenAiServer, startOpenAiServer } from '../support/openai-server';
import { SseClient } from '../support/sse-client';
import { eventually, startTestApp, TestApp } from '../support/test-app';
import { startToolServer, ToolServer } from '../support/tool-server';

/**
 * Edges of the openai executor on the real worker and chat route: a tool past its timeout, a
 * cancel while a tool call or a model call is in flight (the peers see the outbound call go
 * away), and a streamed turn whose tool calls are sent as they finish.
 */
describe('openai executor: tool timeouts, cancels in flight, streamed turns', () => {
  let t: TestApp;
  let model: OpenAiServer;
  let tools: ToolServer;

  beforeAll(async () => {
    [t, model, tools] = await Promise.all([startTestApp(), startOpenAiServer(), startToolServer()]);
  });
  afterAll(async () => {
    model?.release();
    await Promise.all([model?.close(), tools?.close()]);
    await t?.close();
  });

  const { orgWithToken, createJob, getJob, waitForStatus } = jobsApi(() => t, { orgLabel: 'oai-edge', channelCode: 'COAIEDGE' });
  const cityParams = { type: 'object', required: ['city'], properties: { city: { type: 'string' } } };
  const httpTool = (name: string, url: string, extra: Record<string, unknown> = {}) =>
    ({ type: 'http', name, description: `The ${name} tool`, parameters: cityParams, url, ...extra });
  const turns = async (auth: Record<string, string>, sessionId: string) =>
    (await t.http().get(`/services/sessions/${sessionId}/turns`).set(auth)).body.data;

  it('a tool past its timeout_seconds is a TOOL_TIMEOUT error result: the tool sees the call go away, the loop goes on and completes', async () => {
    const { org, auth } = await orgWithToken();
    const slow = tools.endpoint('hang');
    const script = model.script(
      { tool_calls: [{ id: 'call_slow', name: 'weather', arguments: { city: 'Rome' } }] },
      { text: 'The weather service is slow today.' },
    );
    const jt = await createOpenAiJobType(t, auth, {
      id: 'slow-tool', script, executor: { tools: [httpTool('weather', slow.url, { timeout_seconds: 1 })] }, default_config: { max_task_retries: 0 },
    });
    tools.setSecret(slow.path, jt.signing_secret);
    const job = await waitForStatus(auth, (await createJob(auth, org, jt.id)).job_id, ['COMPLETED', 'FAILED']);

    expect(job.job_status).toBe('COMPLETED');
    expect(job.result).toMatchObject({
      response: 'The weather service is slow today.', iterations: 2,
      tool_calls: [{ tool: 'weather', status: 'error', duration_ms: expect.any(Number), error_code: 'TOOL_TIMEOUT' }],
    });
    // The model was told, under the call's id, why the tool gave no result.
    const results = script.requests[1].body.messages.filter((m) => m.role === 'tool');
    expect(results.map((m) => [m.tool_call_id, JSON.parse(m.content!)])).toEqual([
      ['call_slow', { error: { code: 'TOOL_TIMEOUT', message: expect.stringContaining('within 1000 ms') } }],
    ]);
    const [call] = tools.forPath(slow.path);
    expect(call.verified).toBe(true);
    await eventually(async () => call.aborted);
  });

  it('cancel while a tool call is in flight aborts it: the tool sees the call go away, the job stays CANCELED with the reason', async () => {
    const { org, auth } = await orgWithToken();
    const held = tools.endpoint('hang');
    const script = model.script({ tool_calls: [{ id: 'call_held', name: 'weather', arguments: { city: 'Oslo' } }] });
    // The tool's own timeout is far away: only the cancel can end this call.
    const jt = await createOpenAiJobType(t, auth, { id: 'held-tool', script, executor: { tools: [httpTool('weather', held.url, { timeout_seconds: 300 })] } });
    tools.setSecret(held.path, jt.signing_secret);
    const created = await createJob(auth, org, jt.id);
    const [call] = await eventually(async () => tools.forPath(held.path).length === 1 && tools.forPath(held.path));
    expect(call.aborted).toBe(false);

    const res = await t.http().delete(`/services/agent-jobs/${created.job_id}`).set(auth).send({ reason: 'tool is stuck' });
    expect(res.status).toBe(200);
    await eventually(async () => call.aborted);
    const job = await getJob(auth, created.job_id);
    expect(job).toMatchObject({ job_status: 'CANCELED', cancel_reason: 'tool is stuck', result: null });
    expect(job.tasks.map((x: { status: string }) => x.status)).toEqual(['CANCELED']);
    expect(call.answered).toBeUndefined();
  });

  it('a streamed turn: turn.started, each tool_call as it finishes (before the next model answer), then turn.completed with the stored Turn', async () => {
    const { auth } = await orgWithToken();
    const [echo, fail] = [tools.endpoint('echo'), tools.endpoint('fail')];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => { open = resolve; });
    const script = model.script(
      { tool_calls: [{ id: 'c_echo', name: 'weather', arguments: { city: 'Lima' } }] },
      { tool_calls: [{ id: 'c_fail', name: 'broken', arguments: { city: 'Lima' } }] },
      // The last answer waits for the test: the tool_call events must have arrived while the turn still runs.
      { after: gate, answer: { text: 'Sunny in Lima, the other service is down.', usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } } },
    );
    const jt = await createOpenAiJobType(t, auth, {
      id: 'streamer', script, executor: { system_prompt: 'You are terse.', tools: [httpTool('weather', echo.url), httpTool('broken', fail.url)] },
    });
    for (const ep of [echo, fail]) tools.setSecret(ep.path, jt.signing_secret);

    const client = await SseClient.open(`${t.url}/services/sessions/chat`, auth, { agent_type: 'streamer', message: 'weather in Lima?' });
    expect(client.status).toBe(200);
    expect(client.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await client.waitFor(() => script.requests.length === 3 && client.messages.length === 3);
    const [started, ok, failed] = client.messages.map((m) => ({ event: m.event, data: JSON.parse(m.data) }));
    expect(started).toEqual({ event: 'turn.started', data: expect.objectContaining({ status: 'running', agent_type: 'streamer', response: null, finished_at: null }) });
    expect([ok, failed]).toEqual([
      { event: 'tool_call', data: { tool: 'weather', status: 'ok', duration_ms: expect.any(Number), error_code: null } },
      { event: 'tool_call', data: { tool: 'broken', status: 'error', duration_ms: expect.any(Number), error_code: 'TOOL_HTTP_ERROR' } },
    ]);
    const { session_id: sessionId, turn_id: turnId } = started.data;
    expect((await turns(auth, sessionId)).map((x: { status: string }) => x.status)).toEqual(['running']);
    // The tools were called for the turn: signed, with `<turn id>:<tool call id>` as webhook-id.
    expect(tools.forPath(echo.path).map((r) => [r.verified, r.headers['webhook-id'], r.body])).toEqual([[true, `${turnId}:c_echo`, { city: 'Lima' }]]);

    open();
    expect(await client.ended).toBe('ended');
    expect(client.messages.map((m) => m.event)).toEqual(['turn.started', 'tool_call', 'tool_call', 'turn.completed']);
    const done = JSON.parse(client.messages[3].data);
    expect(done).toMatchObject({
      session_id: sessionId, turn_id: turnId, status: 'complete', response: 'Sunny in Lima, the other service is down.', iterations: 3,
      tool_calls: [ok.data, failed.data], error: null,
    });
    expect(done).toEqual((await turns(auth, sessionId))[0]);
    expect(script.messages(2).map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'tool']);
  });

  it('cancel of a turn in flight aborts the model call: the waiting chat answers canceled, the turn keeps the reason, the session is free again', async () => {
    const { auth } = await orgWithToken();
    const script = model.script({ hang: true }, { text: 'Back again.' });
    await createOpenAiJobType(t, auth, { id: 'held-model', script });
    const waiting = t.http().post('/services/sessions/chat').set(auth).send({ agent_type: 'held-model', message: 'think hard' }).then((r) => r);
    const request = await eventually(async () => script.requests[0]);
    expect(request.aborted).toBe(false);
    const sessions = (await t.http().get('/services/sessions').set(auth)).body.data;
    expect(sessions).toHaveLength(1);
    const sessionId = sessions[0].session_id;

    const canceled = await t.http().post(`/services/sessions/${sessionId}/cancel`).set(auth).send({ reason: 'took too long' });
    expect(canceled.status).toBe(200);
    expect(canceled.body.data).toMatchObject({ status: 'canceled', cancel_reason: 'took too long' });
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(answer.body.data).toMatchObject({ session_id: sessionId, status: 'canceled', cancel_reason: 'took too long', response: null });
    await eventually(async () => request.aborted);
    expect(request.answered).toBeUndefined();
    const [stored] = await turns(auth, sessionId);
    expect(stored).toEqual(answer.body.data);

    // The canceled turn let go of the session: the next one runs.
    const next = await t.http().post('/services/sessions/chat').set(auth).send({ session_id: sessionId, message: 'again' });
    expect(next.body.data).toMatchObject({ status: 'complete', response: 'Back again.' });
    expect(script.messages(1).at(-1)).toEqual({ role: 'user', content: 'again' });
  });

  it("a turn runs at most its job type's max_time_to_complete: a hanging model is aborted (AGENT_TIMEOUT), a 429 whose Retry-After passes the limit is not waited for", async () => {
    const { auth } = await orgWithToken();
    const hanging = model.script({ hang: true }, { text: 'Quick this time.' });
    await createOpenAiJobType(t, auth, { id: 'slow-model', script: hanging, default_config: { max_time_to_complete: 1 } });
    const timedOut = await t.http().post('/services/sessions/chat').set(auth).send({ agent_type: 'slow-model', message: 'think forever' });
    expect(timedOut.status).toBe(200);
    expect(timedOut.body.data).toMatchObject({ status: 'error', error: { code: 'AGENT_TIMEOUT', message: expect.stringContaining('1 s') } });
    await eventually(async () => hanging.requests[0].aborted);
    const next = await t.http().post('/services/sessions/chat').set(auth).send({ session_id: timedOut.body.data.session_id, message: 'again' });
    expect(next.body.data).toMatchObject({ status: 'complete', response: 'Quick this time.' });

    const limited = model.script({ status: 429, headers: { 'retry-after': '3600' } });
    await createOpenAiJobType(t, auth, { id: 'limited-model', script: limited, default_config: { max_time_to_complete: 60 } });
    const refused = await t.http().post('/services/sessions/chat').set(auth).send({ agent_type: 'limited-model', message: 'hello' });
    expect(refused.body.data).toMatchObject({ status: 'error', error: { code: 'MODEL_RATE_LIMITED', message: expect.stringContaining('no retry') } });
    expect(limited.requests).toHaveLength(1);
  });
});
