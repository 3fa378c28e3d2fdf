import { FailureBackoff } from './failure-backoff';

describe('FailureBackoff', () => {
  afterEach(() => jest.useRealTimers());

  it('blocks a failed id for a doubling delay, capped, until it succeeds', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const b = new FailureBackoff(1000, 5000);
    expect(b.failed('s1')).toBe(1000);
    expect(b.blocked()).toEqual(['s1']);
    jest.setSystemTime(1_000_000 + 1001);
    expect(b.blocked()).toEqual([]);
    expect([b.failed('s1'), b.failed('s1'), b.failed('s1'), b.failed('s1')]).toEqual([2000, 4000, 5000, 5000]);
    expect(b.blocked()).toEqual(['s1']);
    b.succeeded('s1');
    expect(b.blocked()).toEqual([]);
    expect(b.failed('s1')).toBe(1000);
  });

  it('forgets an id a full max delay after its block ended: the count starts again', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const b = new FailureBackoff(1000, 5000);
    expect([b.failed('s1'), b.failed('s1')]).toEqual([1000, 2000]);
    jest.setSystemTime(1_000_000 + 2000 + 4999);
    expect(b.failed('s1')).toBe(4000); // still remembered
    jest.setSystemTime(1_000_000 + 2000 + 4999 + 4000 + 5001);
    expect(b.blocked()).toEqual([]);
    expect(b.failed('s1')).toBe(1000);
  });
});
