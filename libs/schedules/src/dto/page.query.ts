import { FieldError, validationFailed } from '@app/common';

export interface PageQuery {
  limit: number;
  offset: number;
}

/** `limit` (1-100, default 20) and `offset` (0-1000000) from a query string, as the jobs list reads them. */
export function parsePageQuery(q: Record<string, unknown>): PageQuery {
  const errors: FieldError[] = [];
  const int = (name: string, def: number, min: number, max: number): number => {
    const v = q[name];
    if (v === undefined) return def;
    if (typeof v !== 'string' || !/^\d{1,9}$/.test(v) || Number(v) < min || Number(v) > max) {
      errors.push({ field: name, message: `must be an integer from ${min} to ${max}` });
      return def;
    }
    return Number(v);
  };
  const page = { limit: int('limit', 20, 1, 100), offset: int('offset', 0, 0, 1_000_000) };
  if (errors.length) throw validationFailed(errors, 'Invalid list parameters');
  return page;
}
