/** Paris wall-clock time of an instant, from Intl alone (no cron library): "YYYY-MM-DD HH:MM:SS". */
export function parisWallClock(at: Date): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).formatToParts(at);
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** The first instant after `after` that is 09:00:00 in Paris on a day `dayOk` accepts. */
export function nextParis9(after: Date, dayOk: (month: number, day: number) => boolean = () => true): Date {
  const start = Date.UTC(after.getUTCFullYear(), after.getUTCMonth(), after.getUTCDate());
  for (let d = 0; d < 800; d++) {
    const day = new Date(start + d * 86_400_000);
    if (!dayOk(day.getUTCMonth() + 1, day.getUTCDate())) continue;
    const ymd = day.toISOString().slice(0, 10);
    for (const hourUtc of [6, 7, 8, 9]) {
      const candidate = new Date(start + d * 86_400_000 + hourUtc * 3_600_000);
      if (candidate > after && parisWallClock(candidate) === `${ymd} 09:00:00`) return candidate;
    }
  }
  throw new Error('no 09:00 Paris found');
}

/** The last instant at or before `at` that is 09:00:00 in Paris. */
export function lastParis9(at: Date): Date {
  let last = nextParis9(new Date(at.getTime() - 3 * 86_400_000));
  for (let next = nextParis9(last); next <= at; next = nextParis9(last)) last = next;
  return last;
}
