import { OutboundError } from '@app/common/outbound';
import { readTurnAnswer, turnCallFailure } from './turn-answer';

const bad = (body: unknown) => {
  const outcome = readTurnAnswer(body);
  expect(outcome).toMatchObject({ status: 'error', response: null, error: { code: 'AGENT_BAD_RESPONSE' } });
  return outcome.error!.message;
};

describe('readTurnAnswer', () => {
  it('reads a complete answer with its tool calls and usage, defaulting what is left out', () => {
    expect(readTurnAnswer({ status: 'complete', response: 'hi' })).toEqual({
      status: 'complete', response: 'hi', tool_calls: [], iterations: 1, usage: { prompt: 0, completion: 0, total: 0 }, error: null,
    });
    expect(readTurnAnswer({
      status: 'max_iterations_reached', response: 'partial', iterations: 20, usage: { prompt: 3, completion: 4 },
      tool_calls: [{ tool: 'search', status: 'ok', duration_ms: 12.5 }, { tool: 'fetch', status: 'error', duration_ms: 3, error_code: 'TIMEOUT' }],
    })).toEqual({
      status: 'max_iterations_reached', response: 'partial', iterations: 20, usage: { prompt: 3, completion: 4, total: 7 }, error: null,
      tool_calls: [{ tool: 'search', status: 'ok', duration_ms: 12.5, error_code: null }, { tool: 'fetch', status: 'error', duration_ms: 3, error_code: 'TIMEOUT' }],
    });
  });

  it('keeps the agent\'s own error code, or AGENT_FAILED when it gives none', () => {
    expect(readTurnAnswer({ status: 'error', error: { code: 'QUOTA', message: 'out of credits' } }).error).toEqual({ code: 'QUOTA', message: 'out of credits' });
    expect(readTurnAnswer({ status: 'error' }).error).toEqual({ code: 'AGENT_FAILED', message: 'the agent reported an error' });
  });

  it('names what is off-protocol', () => {
    expect(bad(null)).toMatch(/JSON object/);
    expect(bad([1])).toMatch(/JSON object/);
    expect(bad({ status: 'completed', response: 'x' })).toMatch(/status must be/);
    expect(bad({ status: 'complete' })).toMatch(/needs a response/);
    expect(bad({ status: 'complete', response: 42 })).toMatch(/response must be a string/);
    expect(bad({ status: 'complete', response: 'x', tool_calls: {} })).toMatch(/tool_calls must be an array/);
    expect(bad({ status: 'complete', response: 'x', tool_calls: [{ status: 'ok' }] })).toMatch(/tool_calls\.0\.tool/);
    expect(bad({ status: 'complete', response: 'x', tool_calls: [{ tool: 't', status: 'ok', duration_ms: -1 }] })).toMatch(/duration_ms/);
    expect(bad({ status: 'complete', response: 'x', usage: { prompt: -1 } })).toMatch(/usage/);
    expect(bad({ status: 'complete', response: 'x', usage: { prompt: 1.5 } })).toMatch(/usage/);
    expect(bad({ status: 'complete', response: 'x', iterations: 'two' })).toMatch(/iterations/);
    // Integers, but past what the turn's columns and the session's bigint sums hold: they used to fail the turn's end in Postgres.
    expect(bad({ status: 'complete', response: 'x', usage: { prompt: 1e21 } })).toMatch(/usage/);
    expect(bad({ status: 'complete', response: 'x', iterations: 1e10 })).toMatch(/iterations/);
  });
});

describe('turnCallFailure', () => {
  it('maps transport failures to the protocol\'s codes', () => {
    expect(turnCallFailure(new OutboundError('TIMEOUT', 'slow')).code).toBe('AGENT_TIMEOUT');
    expect(turnCallFailure(new OutboundError('RESPONSE_TOO_LARGE', 'big')).code).toBe('AGENT_BAD_RESPONSE');
    for (const code of ['CONNECT_TIMEOUT', 'NETWORK_ERROR', 'URL_REFUSED', 'INVALID_URL'] as const) {
      expect(turnCallFailure(new OutboundError(code, 'no')).code).toBe('AGENT_UNAVAILABLE');
    }
  });
});
