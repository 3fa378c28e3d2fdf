import { CronExpressionParser } from 'cron-parser';

/**
 * Cron expressions and time zones of schedules, in one place. Expressions have 5 fields
 * (minute hour day-of-month month day-of-week) or 6 with a leading seconds field; fire times
 * are wall-clock times in the schedule's IANA zone, so they follow its DST changes.
 */

/** Jenkins-style `H` would pick a different random time at every parse: refused. */
const HASHED_FIELD = /(^|[^A-Za-z])H([^A-Za-z]|$)/;

/** The expression as stored: fields separated by single spaces. */
export const normalizeCron = (expr: string) => expr.trim().split(/\s+/).filter(Boolean).join(' ');

/** Why `expr` is not a usable cron expression, or null when it is. */
export function cronProblem(expr: string): string | null {
  const fields = normalizeCron(expr).split(' ').filter(Boolean);
  if (fields.length !== 5 && fields.length !== 6) {
    return 'must have 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading seconds field';
  }
  if (fields.some((f) => HASHED_FIELD.test(f))) return 'the H (hash) wildcard is not supported';
  try {
    const next = CronExpressionParser.parse(fields.join(' '), { tz: 'UTC' }).next();
    if (!next) return 'never fires';
  } catch (err) {
    return `is not a valid cron expression: ${(err as Error).message}`;
  }
  return null;
}

/** Why `tz` is not an IANA time zone, or null when it is. */
export function timezoneProblem(tz: string): string | null {
  if (!tz) return 'must be an IANA time zone such as Europe/Paris or UTC';
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: tz });
    return null;
  } catch {
    return `'${tz}' is not an IANA time zone (such as Europe/Paris or UTC)`;
  }
}

/** The first fire time strictly after `after`, or null when the expression never fires again. */
export function nextFireAfter(cron: string, tz: string, after: Date): Date | null {
  try {
    return CronExpressionParser.parse(cron.trim(), { tz, currentDate: after }).next().toDate();
  } catch {
    return null;
  }
}

/** The latest fire time at or before `at`, or null when there is none. */
export function latestFireAtOrBefore(cron: string, tz: string, at: Date): Date | null {
  try {
    return CronExpressionParser.parse(cron.trim(), { tz, currentDate: new Date(at.getTime() + 1) }).prev().toDate();
  } catch {
    return null;
  }
}
