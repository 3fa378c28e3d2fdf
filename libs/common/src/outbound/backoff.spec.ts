import { backoffMs } from './backoff';

describe('backoffMs', () => {
  it('waits within [step, 2*step) with the step doubling from the base', () => {
    expect(backoffMs(1, { baseMs: 200 }, () => 0)).toBe(200);
    expect(backoffMs(1, { baseMs: 200 }, () => 0.999)).toBe(399);
    expect(backoffMs(2, { baseMs: 200 }, () => 0)).toBe(400);
    expect(backoffMs(3, { baseMs: 200 }, () => 0.5)).toBe(1200);
  });

  it('never waits less for a later retry (windows do not overlap)', () => {
    for (let retry = 1; retry < 10; retry++) {
      expect(backoffMs(retry + 1, { baseMs: 5000 }, () => 0)).toBeGreaterThan(backoffMs(retry, { baseMs: 5000 }, () => 0.999999));
    }
  });

  it('caps the step at an hour by default, or at maxStepMs', () => {
    expect(backoffMs(30, { baseMs: 5000 }, () => 0)).toBe(3_600_000);
    expect(backoffMs(30, { baseMs: 2000, maxStepMs: 600_000 }, () => 0.5)).toBe(900_000);
    expect(backoffMs(10_000, { baseMs: 1000, maxStepMs: 5000 }, () => 0)).toBe(5000);
  });

  it('without jitter is exactly the step', () => {
    expect([1, 2, 3, 4, 5].map((r) => backoffMs(r, { baseMs: 1000, maxStepMs: 5000, jitter: false }))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });
});
