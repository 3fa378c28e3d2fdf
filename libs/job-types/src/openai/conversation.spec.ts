import { responseFormat, taskConversation, taskOutcome, turnConversation } from './conversation';
import type { LoopResult } from './loop-types';
import type { OpenAiExecutor } from './openai-executor';

const executor: OpenAiExecutor = {
  type: 'openai', base_url: 'https://api.openai.com/v1', model: 'gpt-4o-mini', system_prompt: 'Be brief.', temperature: null, tools: [], timeout_seconds: 60,
};
const loop = (over: Partial<LoopResult>): LoopResult => ({
  status: 'complete', response: 'ok', tool_calls: [], iterations: 1, usage: { prompt: 3, completion: 2, total: 5 }, error: null, ...over,
});

describe('conversation', () => {
  it('a task: one system message (system_prompt, then start_prompt), the history, then the params as JSON', () => {
    const history = [{ role: 'user' as const, content: 'yesterday?' }, { role: 'assistant' as const, content: 'fine' }];
    expect(taskConversation(executor, { kind: 'initial', params: { a: 1 }, config: { start_prompt: 'Report on today.' }, previous_tasks: [{ task_id: 't0' }] }, history)).toEqual([
      { role: 'system', content: 'Be brief.\n\nReport on today.' },
      ...history,
      { role: 'user', content: '{"params":{"a":1}}' },
    ]);
  });

  it('a follow-up also gets previous_tasks; no prompts means no system message', () => {
    const bare = { ...executor, system_prompt: null };
    expect(taskConversation(bare, { kind: 'follow_up', params: {}, config: { start_prompt: null }, previous_tasks: [{ task_id: 't0' }] })).toEqual([
      { role: 'user', content: '{"params":{},"previous_tasks":[{"task_id":"t0"}]}' },
    ]);
  });

  it('a turn: system prompt, history, the context (when there is one), the message', () => {
    expect(turnConversation(executor, { history: [{ role: 'user', content: 'hi' }], message: 'and now?', context: { k: 'v' } })).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
      { role: 'system', content: 'Context of this turn (JSON): {"k":"v"}' },
      { role: 'user', content: 'and now?' },
    ]);
    expect(turnConversation(executor, { history: [], message: 'x', context: {} })).toHaveLength(2);
  });

  it('asks for JSON only with an output_schema', () => {
    expect(responseFormat(null)).toBeUndefined();
    expect(responseFormat({ type: 'object' })).toEqual({ type: 'json_schema', json_schema: { name: 'result', schema: { type: 'object' }, strict: false } });
  });

  describe('taskOutcome', () => {
    it('without a schema: {response, tool_calls, iterations, usage}', () => {
      expect(taskOutcome(loop({}), null)).toMatchObject({
        status: 'completed', result: { response: 'ok', tool_calls: [], iterations: 1, usage: { prompt: 3, completion: 2, total: 5 } },
      });
    });

    it('with a schema: the parsed JSON (also inside a ```json fence); text that is not JSON is OUTPUT_SCHEMA_MISMATCH', () => {
      expect(taskOutcome(loop({ response: '{"text":"hi"}' }), { type: 'object' })).toMatchObject({ status: 'completed', result: { text: 'hi' } });
      expect(taskOutcome(loop({ response: '```json\n{"text":"hi"}\n```' }), { type: 'object' })).toMatchObject({ status: 'completed', result: { text: 'hi' } });
      expect(taskOutcome(loop({ response: 'Sure! Here it is' }), { type: 'object' })).toMatchObject({ status: 'failed', error: { code: 'OUTPUT_SCHEMA_MISMATCH' } });
    });

    it('max_iterations_reached fails the task with the partial answer; an error keeps its code; usage rides along', () => {
      const capped = taskOutcome(loop({ status: 'max_iterations_reached', response: 'half done', iterations: 4 }), null);
      expect(capped).toMatchObject({ status: 'failed', error: { code: 'MAX_ITERATIONS_REACHED' }, iterations: 4, usage: { total: 5 } });
      expect(capped.status === 'failed' && capped.error.message).toMatch(/after 4 model calls.*half done/);
      expect(taskOutcome(loop({ status: 'error', response: null, error: { code: 'AGENT_TIMEOUT', message: 'slow' } }), null))
        .toMatchObject({ status: 'failed', error: { code: 'AGENT_TIMEOUT', message: 'slow' } });
    });
  });
});
