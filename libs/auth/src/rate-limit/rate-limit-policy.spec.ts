import { rateLimitPolicy } from './rate-limit-policy';

describe('rateLimitPolicy', () => {
  it.each([
    [1200, 200, { quota: 200, windowSeconds: 10 }],
    [3, 200, { quota: 3, windowSeconds: 60 }],
    [120, 200, { quota: 120, windowSeconds: 60 }],
    [1_000_000, 200, { quota: 16_666, windowSeconds: 1 }],
    [1_000_000, 1_000_000, { quota: 1_000_000, windowSeconds: 60 }],
    [7, 3, { quota: 3, windowSeconds: 26 }],
    [600, 1, { quota: 10, windowSeconds: 1 }],
  ])('%d/min with a burst of %d counts %o', (perMinute, burst, expected) => {
    expect(rateLimitPolicy(perMinute, burst)).toEqual(expected);
  });

  it('allows at least one request per window and never more than the rate', () => {
    for (const perMinute of [1, 2, 7, 59, 61, 100, 1199, 1200, 5000, 123_457]) {
      for (const burst of [1, 5, 50, 200, 10_000]) {
        const { quota, windowSeconds } = rateLimitPolicy(perMinute, burst);
        expect(quota).toBeGreaterThanOrEqual(1);
        expect((quota * 60) / windowSeconds).toBeLessThanOrEqual(perMinute);
      }
    }
  });
});
