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
});
