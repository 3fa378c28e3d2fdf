import { parseAgentAnswer } from './task-answer';

describe('parseAgentAnswer', () => {
  it('reads what the agent spent with each status, nothing when it says nothing', () => {
    expect(parseAgentAnswer({ status: 'completed', result: { a: 1 } })).toEqual({
      status: 'completed', result: { a: 1 }, usage: { prompt: 0, completion: 0, total: 0 }, tool_calls: [], iterations: 0,
    });
    expect(parseAgentAnswer({
      status: 'follow_up', result: 'r', delay_seconds: 5, usage: { prompt: 3, completion: 4 }, iterations: 2,
      tool_calls: [{ tool: 'search', status: 'ok', duration_ms: 12 }],
    })).toEqual({
      status: 'follow_up', result: 'r', delay_seconds: 5, usage: { prompt: 3, completion: 4, total: 7 }, iterations: 2,
      tool_calls: [{ tool: 'search', status: 'ok', duration_ms: 12, error_code: null }],
    });
    expect(parseAgentAnswer({ status: 'failed', error: { code: 'X', message: 'no' }, usage: { prompt: 1, completion: 1, total: 5 } })).toMatchObject({
      status: 'failed', error: { code: 'X', message: 'no' }, usage: { prompt: 1, completion: 1, total: 5 },
    });
  });

  it('makes an answer with a bad spend field off-protocol (as a turn answer is)', () => {
    const bad = (body: Record<string, unknown>) => {
      const outcome = parseAgentAnswer({ status: 'completed', result: 1, ...body });
      expect(outcome).toMatchObject({ status: 'failed', error: { code: 'INVALID_AGENT_RESPONSE' } });
      return (outcome as { error: { message: string } }).error.message;
    };
    expect(bad({ usage: 'lots' })).toMatch(/usage/);
    expect(bad({ usage: { prompt: -1 } })).toMatch(/usage/);
    expect(bad({ usage: { prompt: 1e21 } })).toMatch(/usage/); // an integer, but past what a bigint sum can hold
    expect(bad({ usage: { total: 2.5 } })).toMatch(/usage\.total/);
    expect(bad({ iterations: -1 })).toMatch(/iterations/);
    expect(bad({ iterations: 1e10 })).toMatch(/iterations/);
    expect(bad({ tool_calls: [{ tool: '', status: 'ok' }] })).toMatch(/tool_calls\.0\.tool/);
    expect(parseAgentAnswer({ status: 'done' })).toMatchObject({ status: 'failed', error: { code: 'INVALID_AGENT_RESPONSE', message: expect.stringMatching(/status/) } });
  });
});
