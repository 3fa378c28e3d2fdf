import { MAX_TOOL_CALLS_PER_ANSWER, runAgentLoop } from './agent-loop';
import type { ModelAnswer, ModelCaller, ModelRequest, ModelToolCall } from './model-client';
import { ModelError } from './model-errors';
import type { ToolBox } from './tool-box';

/** A model that answers from a list and records what it was asked. */
function scriptedModel(...answers: Array<ModelAnswer | ModelError>): ModelCaller & { requests: ModelRequest[] } {
  const requests: ModelRequest[] = [];
  return {
    requests,
    complete: async (request) => {
      requests.push(structuredClone(request));
      const next = answers.shift();
      if (!next) throw new Error('no more answers');
      if (next instanceof ModelError) throw next;
      return next;
    },
  };
}

const text = (content: string, tokens = 10): ModelAnswer => ({ content, tool_calls: [], usage: { prompt_tokens: tokens, completion_tokens: 1, total_tokens: tokens + 1 } });
const calls = (...c: Array<[string, string]>): ModelAnswer => ({
  content: null, tool_calls: c.map(([id, name]) => ({ id, name, arguments: '{}' })), usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
});

/** Tools that answer `{"ok": <name>}`; `hold` makes a tool wait until released. */
function fakeTools(opts: { fail?: string[]; hold?: Record<string, Promise<void>> } = {}): ToolBox & { started: string[] } {
  const started: string[] = [];
  return {
    started,
    definitions: [{ type: 'function', function: { name: 'a', parameters: { type: 'object' } } }],
    run: async (call: ModelToolCall, signal: AbortSignal) => {
      started.push(call.id);
      await opts.hold?.[call.id];
      signal.throwIfAborted();
      const failed = opts.fail?.includes(call.name);
      return {
        content: JSON.stringify(failed ? { error: { code: 'BOOM', message: 'no' } } : { ok: call.name }),
        record: { tool: call.name, status: failed ? 'error' : 'ok', duration_ms: 1, error_code: failed ? 'BOOM' : null },
      };
    },
  };
}

const signal = () => new AbortController().signal;

describe('runAgentLoop', () => {
  it('completes on the first answer without tool calls, with the tools offered on every call', async () => {
    const model = scriptedModel(text('hello'));
    const out = await runAgentLoop({ model, tools: fakeTools(), messages: [{ role: 'user', content: 'hi' }], maxIterations: 5, signal: signal() });
    expect(out).toMatchObject({ status: 'complete', response: 'hello', iterations: 1, tool_calls: [], usage: { prompt: 10, completion: 1, total: 11 }, error: null });
    expect(model.requests[0].tools.map((t) => (t as { function: { name: string } }).function.name)).toEqual(['a']);
  });

  it('feeds every tool result back in the calls\' order, with its tool_call_id, and sums usage over the calls', async () => {
    const model = scriptedModel(calls(['1', 'a'], ['2', 'b']), text('done', 20));
    const out = await runAgentLoop({ model, tools: fakeTools({ fail: ['b'] }), messages: [{ role: 'user', content: 'hi' }], maxIterations: 5, signal: signal() });
    expect(out.status).toBe('complete');
    expect(out.usage).toEqual({ prompt: 25, completion: 3, total: 28 });
    expect(out.tool_calls.map((c) => [c.tool, c.status, c.error_code])).toEqual([['a', 'ok', null], ['b', 'error', 'BOOM']]);
    expect(model.requests[1].messages.slice(1)).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: '1', type: 'function', function: { name: 'a', arguments: '{}' } }, { id: '2', type: 'function', function: { name: 'b', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: '1', content: '{"ok":"a"}' },
      { role: 'tool', tool_call_id: '2', content: '{"error":{"code":"BOOM","message":"no"}}' },
    ]);
  });

  it('starts the calls of one answer together and reports each as it finishes', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const tools = fakeTools({ hold: { slow: held } });
    const finished: string[] = [];
    const running = runAgentLoop({
      model: scriptedModel(calls(['slow', 'a'], ['fast', 'b']), text('ok')), tools, messages: [], maxIterations: 3, signal: signal(),
      onToolCall: (c) => finished.push(c.tool),
    });
    await new Promise((r) => setImmediate(r));
    expect(tools.started).toEqual(['slow', 'fast']); // both started while the first still waits
    expect(finished).toEqual(['b']);
    release();
    const out = await running;
    expect(finished).toEqual(['b', 'a']);
    expect(out.tool_calls.map((c) => c.tool)).toEqual(['a', 'b']); // the result lists them in call order
  });

  it('stops at maxIterations with the last partial answer', async () => {
    const partial: ModelAnswer = { ...calls(['x', 'a']), content: 'thinking…' };
    const model = scriptedModel(partial, calls(['y', 'a']));
    const out = await runAgentLoop({ model, tools: fakeTools(), messages: [], maxIterations: 2, signal: signal() });
    expect(out).toMatchObject({ status: 'max_iterations_reached', response: 'thinking…', iterations: 2 });
    expect(out.tool_calls).toHaveLength(2);
    expect(model.requests).toHaveLength(2);
  });

  it('ends with status error and what was done so far when a model call fails', async () => {
    const model = scriptedModel(calls(['x', 'a']), new ModelError('MODEL_AUTH_FAILED', 'HTTP 401'));
    const out = await runAgentLoop({ model, tools: fakeTools(), messages: [], maxIterations: 5, signal: signal() });
    expect(out).toMatchObject({ status: 'error', iterations: 1, error: { code: 'MODEL_AUTH_FAILED', message: 'HTTP 401' }, usage: { total: 7 } });
    expect(out.tool_calls).toHaveLength(1);
  });

  it('answers the calls past the per-answer cap with an error instead of running them', async () => {
    const many = calls(...Array.from({ length: MAX_TOOL_CALLS_PER_ANSWER + 2 }, (_, i): [string, string] => [`c${i}`, 'a']));
    const tools = fakeTools();
    const model = scriptedModel(many, text('ok'));
    const out = await runAgentLoop({ model, tools, messages: [], maxIterations: 3, signal: signal() });
    expect(tools.started).toHaveLength(MAX_TOOL_CALLS_PER_ANSWER);
    expect(out.tool_calls.slice(-2).map((c) => c.error_code)).toEqual(['TOO_MANY_TOOL_CALLS', 'TOO_MANY_TOOL_CALLS']);
    expect(model.requests[1].messages.filter((m) => m.role === 'tool')).toHaveLength(MAX_TOOL_CALLS_PER_ANSWER + 2);
  });

  it('an abort during the tool calls ends the loop with ABORTED, without another model call', async () => {
    const controller = new AbortController();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const model = scriptedModel(calls(['x', 'a']), text('never'));
    const running = runAgentLoop({ model, tools: fakeTools({ hold: { x: held } }), messages: [], maxIterations: 3, signal: controller.signal });
    await new Promise((r) => setImmediate(r));
    controller.abort('canceled');
    release();
    expect(await running).toMatchObject({ status: 'error', error: { code: 'ABORTED' } });
    expect(model.requests).toHaveLength(1);
  });
});
