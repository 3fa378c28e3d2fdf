/**
 * The runs of a schedule after its next one (the API gives next_run_at only), with the same
 * cron-parser the service fires schedules with: wall-clock times in the schedule's time zone.
 */
import { CronExpressionParser } from 'cron-parser';

export function runsAfter(cron: string, timezone: string, first: Date, count: number): Date[] {
  try {
    const expression = CronExpressionParser.parse(cron.trim(), { tz: timezone, currentDate: first });
    return Array.from({ length: count }, () => expression.next().toDate());
  } catch {
    return []; // an expression the service accepted but this parser cannot follow: only next_run_at shows
  }
}
