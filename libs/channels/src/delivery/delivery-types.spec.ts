import { backoffMs } from './delivery-types';

describe('backoffMs', () => {
  it('doubles from the base for each attempt, within ±20 % jitter', () => {
    expect([1, 2, 3, 4].map((a) => backoffMs(1000, a, () => 0.5))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(1000, 3, () => 0)).toBe(3200);
    expect(backoffMs(1000, 3, () => 1)).toBe(4800);
  });

  it('is capped at 10 minutes', () => {
    expect(backoffMs(60_000, 30, () => 0.5)).toBe(600_000);
  });
});
