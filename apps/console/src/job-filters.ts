/**
 * The jobs list's filters, sort and page, kept in the page's URL query so that a filtered view can
 * be bookmarked, shared and reloaded: filtersFromQuery(filtersToQuery(f)) equals f. Values the API
 * would refuse (an unknown status, a bad sort) are dropped when read, so a hand-edited URL never
 * breaks the page. No secret ever goes into the query: the token stays in sessionStorage.
 */
import type { paths } from './api/openapi';

/** The list route's query, as the OpenAPI document types it. */
export type JobListQuery = NonNullable<paths['/services/agent-jobs']['get']['parameters']['query']>;

export const STATUSES = ['WAITING', 'SCHEDULED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELED'] as const;
export type Status = (typeof STATUSES)[number];
export const TERMINAL: Status[] = ['COMPLETED', 'FAILED', 'CANCELED'];
export const SORT_FIELDS = ['created_at', 'updated_at', 'scheduled_at'] as const;
export const DATE_FILTERS = ['created_at_gte', 'created_at_lte', 'scheduled_at', 'scheduled_at_gte', 'scheduled_at_lte'] as const;
export type DateFilter = (typeof DATE_FILTERS)[number];

export const DEFAULT_SORT = 'created_at:desc';
export const DEFAULT_LIMIT = 20;

export interface JobFilters {
  status: Status[];
  job_type_id?: string;
  channel_code?: string;
  created_at_gte?: string;
  created_at_lte?: string;
  scheduled_at?: string;
  scheduled_at_gte?: string;
  scheduled_at_lte?: string;
  sort: string;
  limit: number;
  /** The keyset page (a previous page's meta.next_cursor); absent on the first page. */
  cursor?: string;
}

// As the API accepts them (openapi.json: the list's date parameters).
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const SORT = /^(created_at|updated_at|scheduled_at):(asc|desc)$/;

export function filtersFromQuery(query: URLSearchParams): JobFilters {
  const filters: JobFilters = { status: [], sort: DEFAULT_SORT, limit: DEFAULT_LIMIT };
  const statuses = (query.get('status') ?? '').split(',').map((s) => s.trim().toUpperCase());
  filters.status = STATUSES.filter((s) => statuses.includes(s));
  for (const key of ['job_type_id', 'channel_code', 'cursor'] as const) {
    const value = query.get(key)?.trim();
    if (value) filters[key] = value;
  }
  for (const key of DATE_FILTERS) {
    const value = query.get(key)?.trim();
    if (value && ISO_DATE.test(value)) filters[key] = value;
  }
  const sort = query.get('sort') ?? '';
  const withDirection = sort.includes(':') ? sort : `${sort}:desc`;
  if (SORT.test(withDirection)) filters.sort = withDirection;
  const limit = Number(query.get('limit'));
  if (Number.isInteger(limit) && limit >= 1 && limit <= 100) filters.limit = limit;
  return filters;
}

/** The URL query of a view: defaults left out, keys in a stable order. */
export function filtersToQuery(filters: JobFilters): URLSearchParams {
  const query = new URLSearchParams();
  if (filters.status.length) query.set('status', STATUSES.filter((s) => filters.status.includes(s)).join(','));
  for (const key of ['job_type_id', 'channel_code', ...DATE_FILTERS] as const) {
    if (filters[key]) query.set(key, filters[key] as string);
  }
  if (filters.sort !== DEFAULT_SORT) query.set('sort', filters.sort);
  if (filters.limit !== DEFAULT_LIMIT) query.set('limit', String(filters.limit));
  if (filters.cursor) query.set('cursor', filters.cursor);
  return query;
}

/** The GET /services/agent-jobs query of a view (the API takes the same names). */
export function listQuery(filters: JobFilters, override: Partial<JobFilters> = {}): JobListQuery {
  const merged = { ...filters, ...override };
  const query: Record<string, string | number> = {};
  for (const [key, value] of filtersToQuery(merged)) query[key] = value;
  return { ...query, limit: merged.limit, sort: merged.sort } as JobListQuery;
}

/** A change of filters starts again from the first page. */
export const withFilters = (filters: JobFilters, change: Partial<JobFilters>): JobFilters =>
  ({ ...filters, cursor: undefined, ...change });
