import { retryDelayMs } from './backoff';
import { verdictOf } from './webhook-sender';

describe('retryDelayMs', () => {
  it('waits within [step, 2*step) with the step doubling from the base', () => {
    expect(retryDelayMs(1, 200, () => 0)).toBe(200);
    expect(retryDelayMs(1, 200, () => 0.999)).toBe(399);
    expect(retryDelayMs(2, 200, () => 0)).toBe(400);
    expect(retryDelayMs(3, 200, () => 0.5)).toBe(1200);
  });

  it('never waits less for a later retry (windows do not overlap)', () => {
    for (let retry = 1; retry < 10; retry++) {
      expect(retryDelayMs(retry + 1, 5000, () => 0)).toBeGreaterThan(retryDelayMs(retry, 5000, () => 0.999999));
    }
  });

  it('caps the step at an hour', () => {
    expect(retryDelayMs(30, 5000, () => 0)).toBe(3_600_000);
  });
});

describe('verdictOf', () => {
  it('2xx delivers, 410 stops, everything else fails', () => {
    expect(verdictOf(200).verdict).toBe('succeeded');
    expect(verdictOf(204).verdict).toBe('succeeded');
    expect(verdictOf(410)).toEqual({ verdict: 'gone', error: expect.stringContaining('410') });
    expect(verdictOf(302)).toEqual({ verdict: 'failed', error: 'HTTP 302: redirects are not followed' });
    expect(verdictOf(404).verdict).toBe('failed');
    expect(verdictOf(500).verdict).toBe('failed');
  });
});
