import { MISSED_FIRE_GRACE_MS, planFire } from './fire-plan';

const daily9Paris = { cron: '0 9 * * *', timezone: 'Europe/Paris' };

describe('planFire', () => {
  it('on time (or ahead): fires at next_run_at and continues with the time after it', () => {
    const plan = planFire({ ...daily9Paris, next_run_at: new Date('2026-01-16T08:00:00Z') }, new Date('2026-01-16T07:59:58Z'));
    expect(plan).toEqual({
      fireAt: new Date('2026-01-16T08:00:00Z'), catchUp: false, nextRunAt: new Date('2026-01-17T08:00:00Z'),
    });
  });

  it('late within the grace: still the ordinary fire', () => {
    const due = new Date('2026-01-16T08:00:00Z');
    const plan = planFire({ ...daily9Paris, next_run_at: due }, new Date(due.getTime() + MISSED_FIRE_GRACE_MS - 1));
    expect(plan.fireAt).toEqual(due);
    expect(plan.catchUp).toBe(false);
  });

  it('missed: one catch-up for the most recent fire time, older ones skipped, then the first time after now', () => {
    // Down from Jan 10 to Jan 16 10:00 (Paris 11:00): six 09:00s missed, the latest is Jan 16 08:00 UTC.
    const plan = planFire({ ...daily9Paris, next_run_at: new Date('2026-01-10T08:00:00Z') }, new Date('2026-01-16T10:00:00Z'));
    expect(plan).toEqual({
      fireAt: new Date('2026-01-16T08:00:00Z'), catchUp: true, nextRunAt: new Date('2026-01-17T08:00:00Z'),
    });
  });

  it('missed with a next_run_at that is not a cron time: that time is the one missed', () => {
    const due = new Date('2026-01-16T08:30:00Z');
    const plan = planFire({ ...daily9Paris, next_run_at: due }, new Date('2026-01-16T10:00:00Z'));
    expect(plan).toEqual({ fireAt: due, catchUp: true, nextRunAt: new Date('2026-01-17T08:00:00Z') });
  });
});
