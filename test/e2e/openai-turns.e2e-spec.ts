import { JobTypesService, OpenAiRunner } from '../../libs/job-types/src';
import type { ToolCallRecord } from '../../libs/job-types/src/openai/loop-types';
import { createOpenAiJobType, OpenAiServer, startOpenAiServer } from '../support/openai-server';
import { bearer, newOrg, startTestApp, TestApp } from '../support/test-app';

/**
 * Session turns on an openai executor, through the function a turn runner calls
 * (OpenAiRunner.runTurn): the same loop as job tasks, on the session's history.
 */
describe('openai executor: session turns', () => {
  let t: TestApp;
  let model: OpenAiServer;

  beforeAll(async () => {
    [t, model] = await Promise.all([startTestApp({ withWorker: false }), startOpenAiServer()]);
  });
  afterAll(async () => {
    await model?.close();
    await t?.close();
  });

  it('a session of three turns: each sends the history in order, tool calls are reported as they finish, the last stops at max_iterations', async () => {
    const org = newOrg('oai-turns');
    const auth = bearer(await t.token(org));
    const script = model.script(
      { text: 'Hello! How can I help?', usage: { prompt_tokens: 20, completion_tokens: 6, total_tokens: 26 } },
      { tool_calls: [{ id: 'l1', name: 'list_jobs', arguments: { limit: 5 } }] },
      { text: 'You have no jobs yet.' },
      { tool_calls: [{ id: 's1', name: 'create_subjob', arguments: { job_type_id: 'echo' } }], text: 'Creating it…' },
    );
    await createOpenAiJobType(t, auth, {
      id: 'assistant', script,
      executor: { api_key: 'sk-turns', system_prompt: 'You are the ops assistant.', tools: [{ type: 'builtin', name: 'list_jobs' }, { type: 'builtin', name: 'create_subjob' }] },
    });
    const jobType = await t.app.get(JobTypesService).get(org, 'assistant');
    const runner = t.app.get(OpenAiRunner);
    const history: Array<{ role: 'user' | 'assistant'; content: string }> = [];
    const turn = async (message: string, opts: { context?: Record<string, unknown>; max_iterations?: number } = {}) => {
      const seen: ToolCallRecord[] = [];
      const outcome = await runner.runTurn(jobType, {
        org_id: org, session_id: 'ses_test', turn_id: `turn_${history.length}`, history: [...history], message,
        context: opts.context ?? {}, max_iterations: opts.max_iterations ?? 10,
      }, { signal: new AbortController().signal, onToolCall: (c) => seen.push(c) });
      history.push({ role: 'user', content: message });
      if (outcome.response) history.push({ role: 'assistant', content: outcome.response });
      return { outcome, seen };
    };

    const first = await turn('hi');
    expect(first.outcome).toEqual({
      status: 'complete', response: 'Hello! How can I help?', tool_calls: [], iterations: 1, usage: { prompt: 20, completion: 6, total: 26 }, error: null,
    });
    expect(script.messages(0)).toEqual([{ role: 'system', content: 'You are the ops assistant.' }, { role: 'user', content: 'hi' }]);

    const second = await turn('what are my jobs?', { context: { channel: 'C-OPS' } });
    expect(second.outcome).toMatchObject({ status: 'complete', response: 'You have no jobs yet.', iterations: 2, usage: { prompt: 22, completion: 14, total: 36 } });
    expect(second.seen).toEqual([{ tool: 'list_jobs', status: 'ok', duration_ms: expect.any(Number), error_code: null }]);
    expect(script.messages(1)).toEqual([
      { role: 'system', content: 'You are the ops assistant.' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hello! How can I help?' },
      { role: 'system', content: 'Context of this turn (JSON): {"channel":"C-OPS"}' },
      { role: 'user', content: 'what are my jobs?' },
    ]);
    expect(JSON.parse(script.messages(2).at(-1)!.content!)).toEqual({ jobs: [], total: 0 });

    const third = await turn('make me a subjob', { max_iterations: 1 });
    expect(third.outcome).toMatchObject({
      status: 'max_iterations_reached', response: 'Creating it…', iterations: 1, error: null,
      tool_calls: [{ tool: 'create_subjob', status: 'error', error_code: 'TOOL_UNAVAILABLE' }],
    });
    expect(third.seen.map((c) => c.error_code)).toEqual(['TOOL_UNAVAILABLE']);
    expect(script.messages(3).map((m) => [m.role, m.content])).toEqual([
      ['system', 'You are the ops assistant.'],
      ['user', 'hi'], ['assistant', 'Hello! How can I help?'],
      ['user', 'what are my jobs?'], ['assistant', 'You have no jobs yet.'],
      ['user', 'make me a subjob'],
    ]);
    expect(script.requests.every((r) => r.headers.authorization === 'Bearer sk-turns')).toBe(true);
  });

  it('a turn whose model fails answers status error with the code, never throws', async () => {
    const org = newOrg('oai-turns');
    const auth = bearer(await t.token(org));
    const script = model.script({ status: 404, body: { error: 'model "tiny" not found, try pulling it first' } });
    await createOpenAiJobType(t, auth, { id: 'missing-model', script });
    const jobType = await t.app.get(JobTypesService).get(org, 'missing-model');
    const outcome = await t.app.get(OpenAiRunner).runTurn(jobType, {
      org_id: org, session_id: 'ses_x', turn_id: 'turn_x', history: [], message: 'hello', context: {}, max_iterations: 3,
    }, { signal: new AbortController().signal });
    expect(outcome).toEqual({
      status: 'error', response: null, tool_calls: [], iterations: 0, usage: { prompt: 0, completion: 0, total: 0 },
      error: { code: 'MODEL_NOT_FOUND', message: expect.stringContaining('model "tiny" not found') },
    });
  });
});
