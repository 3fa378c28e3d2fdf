import { FieldError, validationFailed } from '@app/common';
import type { ListChannelsQuery } from './channels.service';

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

/** limit (1-100, default 20) and offset (>= 0); other query parameters are ignored, as on the jobs list. */
export function parseListChannelsQuery(q: Record<string, unknown>): ListChannelsQuery {
  const errors: FieldError[] = [];
  const int = (name: string, dflt: number, min: number, max: number): number => {
    const raw = q[name];
    if (raw === undefined) return dflt;
    const text = String(raw);
    if (typeof raw !== 'string' || !/^\d{1,9}$/.test(text) || Number(text) < min || Number(text) > max) {
      errors.push({ field: name, message: `must be an integer from ${min} to ${max}` });
      return dflt;
    }
    return Number(text);
  };
  const limit = int('limit', DEFAULT_LIMIT, 1, MAX_LIMIT);
  const offset = int('offset', 0, 0, 1_000_000_000);
  if (errors.length) throw validationFailed(errors, 'The query has invalid parameters');
  return { limit, offset };
}
