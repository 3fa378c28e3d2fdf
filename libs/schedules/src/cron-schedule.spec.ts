import { cronProblem, latestFireAtOrBefore, nextFireAfter, normalizeCron, timezoneProblem } from './cron-schedule';

describe('cron-schedule', () => {
  it.each(['0 9 * * *', '*/2 * * * * *', '0 9 * * mon-fri', '30 8 1 * *', '0 0 29 2 *', '  0   9 * * *  '])('accepts %p', (expr) => {
    expect(cronProblem(expr)).toBeNull();
  });

  it.each([
    ['', /5 fields/],
    ['* * *', /5 fields/],
    ['0 9 * * * * *', /5 fields/],
    ['61 * * * *', /not a valid cron/],
    ['0 25 * * *', /not a valid cron/],
    ['0 9 31 4 *', /not a valid cron/],
    ['H 9 * * *', /H \(hash\)/],
    ['@daily', /5 fields/],
    ['a b c d e', /not a valid cron/],
  ])('refuses %p', (expr, message) => {
    expect(cronProblem(expr)).toMatch(message);
  });

  it('normalizes whitespace', () => {
    expect(normalizeCron('  0   9 *\t* *  ')).toBe('0 9 * * *');
  });

  it('accepts IANA zones only', () => {
    expect(timezoneProblem('Europe/Paris')).toBeNull();
    expect(timezoneProblem('UTC')).toBeNull();
    expect(timezoneProblem('Mars/Olympus')).toMatch(/not an IANA time zone/);
    expect(timezoneProblem('+02:00')).toMatch(/not an IANA time zone/);
    expect(timezoneProblem('')).toMatch(/IANA/);
  });

  it('09:00 Europe/Paris is 08:00 UTC in winter and 07:00 UTC in summer, across both DST changes', () => {
    const at = (iso: string) => nextFireAfter('0 9 * * *', 'Europe/Paris', new Date(iso))?.toISOString();
    expect(at('2026-01-15T12:00:00Z')).toBe('2026-01-16T08:00:00.000Z');
    expect(at('2026-03-28T12:00:00Z')).toBe('2026-03-29T07:00:00.000Z'); // clocks went forward that night
    expect(at('2026-07-01T06:59:59Z')).toBe('2026-07-01T07:00:00.000Z');
    expect(at('2026-10-24T12:00:00Z')).toBe('2026-10-25T08:00:00.000Z'); // clocks went back that night
  });

  it('a time inside the spring-forward gap fires once, an hour later; one inside the fall-back overlap fires once', () => {
    // 02:30 does not exist in Paris on 2026-03-29: the fire is at 03:30 local (01:30 UTC).
    const spring = nextFireAfter('30 2 * * *', 'Europe/Paris', new Date('2026-03-28T12:00:00Z'));
    expect(spring?.toISOString()).toBe('2026-03-29T01:30:00.000Z');
    // 02:30 happens twice on 2026-10-25: one fire, at the first (00:30 UTC), then the next day.
    const first = nextFireAfter('30 2 * * *', 'Europe/Paris', new Date('2026-10-24T12:00:00Z'))!;
    expect(first.toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(nextFireAfter('30 2 * * *', 'Europe/Paris', first)?.toISOString()).toBe('2026-10-26T01:30:00.000Z');
  });

  it('with seconds, and the next time is strictly after', () => {
    const from = new Date('2026-01-10T08:00:00.000Z');
    expect(nextFireAfter('*/2 * * * * *', 'UTC', from)?.toISOString()).toBe('2026-01-10T08:00:02.000Z');
    expect(latestFireAtOrBefore('*/2 * * * * *', 'UTC', from)?.toISOString()).toBe('2026-01-10T08:00:00.000Z');
    expect(latestFireAtOrBefore('*/2 * * * * *', 'UTC', new Date('2026-01-10T08:00:01.999Z'))?.toISOString()).toBe('2026-01-10T08:00:00.000Z');
  });
});
