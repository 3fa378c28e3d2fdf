import { metricValue, scrapeMetrics } from '../support/metrics';
import { jobsApi } from '../support/jobs';
import { createOpenAiJobType, OpenAiServer, startOpenAiServer } from '../support/openai-server';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * A session with an openai job type through the real chat route (POST /services/sessions/chat):
 * the model receives the whole history in order on every turn, each turn shows what it spent
 * and the session sums it; a job run in the session hands the model the same history.
 */
describe('openai executor: a session through the chat route', () => {
  let t: TestApp;
  let model: OpenAiServer;

  beforeAll(async () => {
    [t, model] = await Promise.all([startTestApp(), startOpenAiServer()]);
  });
  afterAll(async () => {
    await t?.close();
    await model?.close();
  });

  const { orgWithToken, createJob, waitForStatus } = jobsApi(() => t, { orgLabel: 'oai-ses', channelCode: 'COAISES' });
  const usage = (prompt: number, completion: number) => ({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion });

  it('three turns: the model gets the history in order, usage on each turn and summed on the session; a job in it sees the same history', async () => {
    const { org, auth } = await orgWithToken();
    const script = model.script(
      { text: 'Hi! I am the ops assistant.', usage: usage(20, 8) },
      { tool_calls: [{ id: 'l1', name: 'list_jobs', arguments: { limit: 5 } }], usage: usage(30, 4) },
      { text: 'You have no jobs.', usage: usage(40, 5) },
      { text: 'Goodbye.', usage: usage(50, 2) },
      { text: 'Summary: greeted, checked jobs, said goodbye.', usage: usage(60, 9) },
    );
    await createOpenAiJobType(t, auth, {
      id: 'assistant', script, executor: { system_prompt: 'You are the ops assistant.', tools: [{ type: 'builtin', name: 'list_jobs' }] },
    });
    const chat = (body: Record<string, unknown>) => t.http().post('/services/sessions/chat').set(auth).send(body);

    const one = await chat({ agent_type: 'assistant', message: 'hello' });
    expect(one.status).toBe(200);
    const sessionId = one.body.data.session_id;
    const two = await chat({ session_id: sessionId, message: 'what are my jobs?' });
    const three = await chat({ session_id: sessionId, message: 'bye', context: { channel: 'C-OPS' } });
    expect([one, two, three].map((r) => [r.body.data.status, r.body.data.response, r.body.data.iterations, r.body.data.usage])).toEqual([
      ['complete', 'Hi! I am the ops assistant.', 1, { prompt: 20, completion: 8, total: 28 }],
      ['complete', 'You have no jobs.', 2, { prompt: 70, completion: 9, total: 79 }],
      ['complete', 'Goodbye.', 1, { prompt: 50, completion: 2, total: 52 }],
    ]);
    expect(two.body.data.tool_calls).toEqual([{ tool: 'list_jobs', status: 'ok', duration_ms: expect.any(Number), error_code: null }]);

    const system = { role: 'system', content: 'You are the ops assistant.' };
    const turns = [
      { role: 'user', content: 'hello' }, { role: 'assistant', content: 'Hi! I am the ops assistant.' },
      { role: 'user', content: 'what are my jobs?' }, { role: 'assistant', content: 'You have no jobs.' },
      { role: 'user', content: 'bye' }, { role: 'assistant', content: 'Goodbye.' },
    ];
    expect(script.messages(0)).toEqual([system, turns[0]]);
    expect(script.messages(1)).toEqual([system, ...turns.slice(0, 3)]);
    expect(script.messages(3)).toEqual([system, ...turns.slice(0, 4), { role: 'system', content: 'Context of this turn (JSON): {"channel":"C-OPS"}' }, turns[4]]);

    const session = (await t.http().get(`/services/sessions/${sessionId}`).set(auth)).body.data;
    expect(session).toMatchObject({ turn_count: 3, usage: { prompt: 140, completion: 19, total: 159 } });
    expect(session.messages.map((m: { role: string; content: string }) => ({ role: m.role, content: m.content }))).toEqual(turns);
    const stored = (await t.http().get(`/services/sessions/${sessionId}/turns`).set(auth)).body.data;
    expect(stored.map((x: { usage: object }) => x.usage)).toEqual([one, two, three].map((r) => r.body.data.usage));

    // A job in the session: the model gets the system prompt, the whole history, then the job's params.
    const job = await waitForStatus(auth, (await createJob(auth, org, 'assistant', { session_id: sessionId, params: { period: 'today' } })).job_id, ['COMPLETED', 'FAILED']);
    expect(job).toMatchObject({ job_status: 'COMPLETED', usage: { prompt: 60, completion: 9, total: 69 }, iterations: 1 });
    expect(script.messages(4)).toEqual([system, ...turns, { role: 'user', content: '{"params":{"period":"today"}}' }]);
    const after = (await t.http().get(`/services/sessions/${sessionId}`).set(auth)).body.data;
    expect(after.messages.slice(6).map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
      ['user', 'Params: {"period":"today"}'], ['assistant', 'Summary: greeted, checked jobs, said goodbye.'],
    ]);
    // The session's usage is its turns'; the job's is on the job.
    expect(after.usage).toEqual(session.usage);

    const m = await scrapeMetrics(t.url);
    expect([
      metricValue(m, 'agent_jobs_model_calls_total', { job_type: 'assistant' }),
      metricValue(m, 'agent_jobs_model_tokens_total', { job_type: 'assistant', kind: 'prompt' }),
      metricValue(m, 'agent_jobs_model_tokens_total', { job_type: 'assistant', kind: 'completion' }),
    ]).toEqual([5, 200, 28]);
  });
});
