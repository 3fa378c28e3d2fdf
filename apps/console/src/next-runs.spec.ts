import { runsAfter } from './next-runs';

describe('runsAfter', () => {
  it('follows the schedule\'s wall clock in its zone, across a DST change', () => {
    // 09:00 in Paris on weekdays: 07:00 UTC in summer, 08:00 UTC in winter (DST ends 2026-10-25);
    // the first run given (Friday 07:00 UTC) is not repeated.
    const first = new Date('2026-10-23T07:00:00Z');
    expect(runsAfter('0 9 * * 1-5', 'Europe/Paris', first, 2).map((d) => d.toISOString()))
      .toEqual(['2026-10-26T08:00:00.000Z', '2026-10-27T08:00:00.000Z']);
  });
  it('gives nothing for an expression it cannot read', () => {
    expect(runsAfter('not a cron', 'UTC', new Date(), 3)).toEqual([]);
  });
});
