import { FieldError, validationFailed } from '@app/common';
import { JOB_STATUSES, JobStatus } from '../job-status';

export const SORT_FIELDS = ['created_at', 'updated_at', 'scheduled_at'] as const;
export type SortField = (typeof SORT_FIELDS)[number];
export type SortDirection = 'asc' | 'desc';

export interface ListJobsQuery {
  statuses?: JobStatus[];
  scheduledAt?: Date;
  scheduledAtGte?: Date;
  scheduledAtLte?: Date;
  createdAtGte?: Date;
  createdAtLte?: Date;
  jobTypeId?: string;
  channelCode?: string;
  limit: number;
  offset: number;
  sort: { field: SortField; direction: SortDirection };
  cursor?: ListCursor;
}

/** Opaque to clients: the last row's sort value and id, the sort, and the total of page one. */
export interface ListCursor {
  v: string;
  id: string;
  f: SortField;
  d: SortDirection;
  t: number;
}

const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** JS Date rolls 2024-02-30 over to March 1st: the day must exist in its month. */
function isCalendarDate(v: string): boolean {
  const [y, m, d] = v.slice(0, 10).split('-').map(Number);
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

export function encodeCursor(c: ListCursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(raw: string, errors: FieldError[]): ListCursor | undefined {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as ListCursor;
    if (typeof c.v === 'string' && typeof c.id === 'string' && SORT_FIELDS.includes(c.f) && ['asc', 'desc'].includes(c.d)
      && Number.isInteger(c.t) && PG_TIMESTAMP.test(c.v)) return c;
  } catch {
    /* reported below */
  }
  errors.push({ field: 'cursor', message: 'is not a cursor returned by this API' });
  return undefined;
}

/** Parses and checks the list query string; every bad value is a 400 with its field named. */
export function parseListQuery(q: Record<string, unknown>): ListJobsQuery {
  const errors: FieldError[] = [];
  const str = (name: string): string | undefined => {
    const v = q[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') {
      errors.push({ field: name, message: 'must be given once' });
      return undefined;
    }
    return v;
  };
  const date = (name: string): Date | undefined => {
    const v = str(name);
    if (v === undefined) return undefined;
    const d = new Date(v);
    if (!ISO_DATE.test(v) || Number.isNaN(d.getTime()) || !isCalendarDate(v)) {
      errors.push({ field: name, message: 'must be an ISO 8601 date-time' });
      return undefined;
    }
    return d;
  };
  const int = (name: string, def: number, min: number, max: number): number => {
    const v = str(name);
    if (v === undefined) return def;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      errors.push({ field: name, message: `must be an integer from ${min} to ${max}` });
      return def;
    }
    return Number(v);
  };

  const statusRaw = str('status');
  let statuses: JobStatus[] | undefined;
  if (statusRaw !== undefined) {
    statuses = statusRaw.split(',').map((s) => s.trim().toUpperCase()) as JobStatus[];
    const bad = statuses.filter((s) => !JOB_STATUSES.includes(s));
    if (bad.length || !statuses.length) errors.push({ field: 'status', message: `must be one or more of ${JOB_STATUSES.join(', ')}` });
  }

  const sortRaw = str('sort') ?? 'created_at:desc';
  const sortParts = sortRaw.split(':');
  const [field, direction = 'desc'] = sortParts;
  if (sortParts.length > 2 || !SORT_FIELDS.includes(field as SortField) || !['asc', 'desc'].includes(direction)) {
    errors.push({ field: 'sort', message: `must be field:asc|desc with field one of ${SORT_FIELDS.join(', ')}` });
  }
  const cursorRaw = str('cursor');
  const cursor = cursorRaw ? decodeCursor(cursorRaw, errors) : undefined;
  const offset = int('offset', 0, 0, 1_000_000);
  if (cursor && offset > 0) errors.push({ field: 'offset', message: 'cannot be combined with cursor' });
  if (cursor && (cursor.f !== field || cursor.d !== direction)) {
    errors.push({ field: 'cursor', message: 'was made for another sort; pass the same sort as the first page' });
  }
  const jobTypeId = str('job_type_id');
  const channelCode = str('channel_code');

  const parsed: ListJobsQuery = {
    statuses,
    scheduledAt: date('scheduled_at'),
    scheduledAtGte: date('scheduled_at_gte'),
    scheduledAtLte: date('scheduled_at_lte'),
    createdAtGte: date('created_at_gte'),
    createdAtLte: date('created_at_lte'),
    jobTypeId,
    channelCode,
    limit: int('limit', 20, 1, 100),
    offset,
    sort: { field: field as SortField, direction: direction as SortDirection },
    cursor,
  };
  if (errors.length) throw validationFailed(errors, 'Invalid list filters');
  return parsed;
}

