import { timingSafeEqual } from 'node:crypto';

/**
 * Whether a scrape may read the metrics: always when no METRICS_TOKEN is configured (the
 * endpoint is then open: keep it off the public network), else only with
 * `Authorization: Bearer <METRICS_TOKEN>`, compared in constant time.
 */
export function scrapeAllowed(token: string | undefined, authorization: string | undefined): boolean {
  if (!token) return true;
  const match = /^Bearer (.+)$/.exec(authorization ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
