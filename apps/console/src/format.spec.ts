import { duration, isoToLocalInput, localInputToIso, relativeTime } from './format';

describe('times', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  it('says how long ago or ahead, in the largest unit that fits', () => {
    expect(relativeTime(new Date(now - 2000), now)).toBe('just now');
    expect(relativeTime(new Date(now - 90_000), now)).toBe('2 minutes ago');
    expect(relativeTime(new Date(now + 3 * 3600_000), now)).toBe('in 3 hours');
    expect(relativeTime(new Date(now - 86_400_000), now)).toBe('yesterday');
  });
  it('formats durations', () => {
    expect([duration(193), duration(1500), duration(125_000), duration(3 * 3600_000 + 60_000)]).toEqual(['193 ms', '1.5 s', '2 min 5 s', '3 h 1 min']);
  });
  it('turns a datetime-local value into the API\'s ISO time and back', () => {
    const iso = localInputToIso('2026-03-01T09:30');
    expect(isoToLocalInput(iso)).toBe('2026-03-01T09:30');
    expect(localInputToIso('')).toBe('');
    expect(isoToLocalInput('not a date')).toBe('');
  });
});
