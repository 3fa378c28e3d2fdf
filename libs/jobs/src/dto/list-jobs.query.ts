import { anyText, isoDateTime, PageQueryDto, QueryParam, QueryParser, SignedCursors, validationFailed } from '@app/common';
import { JOB_STATUSES, JobStatus } from '../job-status';

export const SORT_FIELDS = ['created_at', 'updated_at', 'scheduled_at'] as const;
export type SortField = (typeof SORT_FIELDS)[number];
export type SortDirection = 'asc' | 'desc';
export interface ListSort {
  field: SortField;
  direction: SortDirection;
}

const statusList: QueryParser<JobStatus[]> = {
  parse: (text) => {
    const statuses = text.split(',').map((s) => s.trim().toUpperCase()) as JobStatus[];
    return statuses.every((s) => JOB_STATUSES.includes(s)) ? statuses : undefined;
  },
  expected: `must be one or more of ${JOB_STATUSES.join(', ')}`,
};

/** `field:asc|desc`; the direction defaults to desc. */
const sortParam: QueryParser<ListSort> = {
  parse: (text) => {
    const parts = text.split(':');
    const [field, direction = 'desc'] = parts;
    if (parts.length > 2 || !SORT_FIELDS.includes(field as SortField) || !['asc', 'desc'].includes(direction)) return undefined;
    return { field: field as SortField, direction: direction as SortDirection };
  },
  expected: `must be field:asc|desc with field one of ${SORT_FIELDS.join(', ')}`,
};

/** The query of GET /services/agent-jobs: filters, sort, and offset or cursor paging. */
export class ListJobsQueryDto extends PageQueryDto {
  @QueryParam(statusList) status?: JobStatus[];
  @QueryParam(isoDateTime) scheduled_at?: Date;
  @QueryParam(isoDateTime) scheduled_at_gte?: Date;
  @QueryParam(isoDateTime) scheduled_at_lte?: Date;
  @QueryParam(isoDateTime) created_at_gte?: Date;
  @QueryParam(isoDateTime) created_at_lte?: Date;
  @QueryParam(anyText) job_type_id?: string;
  @QueryParam(anyText) channel_code?: string;
  @QueryParam(sortParam) sort: ListSort = { field: 'created_at', direction: 'desc' };
  /** Checked by openListCursor, where the org is known (empty: none). */
  @QueryParam(anyText) cursor?: string;
}

/** A cursor's payload: the last row's sort value and id, the sort, and the total of page one. */
export interface ListCursor {
  v: string;
  id: string;
  f: SortField;
  d: SortDirection;
  t: number;
}

const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)?$/;
const scope = (orgId: string) => `jobs:${orgId}`;

export const signListCursor = (cursors: SignedCursors, orgId: string, c: ListCursor): string =>
  cursors.sign(scope(orgId), { ...c });

/**
 * The cursor's payload; 400 on `cursor` unless we signed it for this org's job list and it is
 * used with its sort, 400 on `offset` with one (a cursor page starts right after its row).
 */
export function openListCursor(cursors: SignedCursors, orgId: string, q: ListJobsQueryDto): ListCursor {
  const c = cursors.open(scope(orgId), q.cursor ?? '') as Partial<ListCursor> | undefined;
  const fail = (field: string, message: string) => validationFailed([{ field, message }], 'Invalid list filters');
  if (!c || typeof c.v !== 'string' || !PG_TIMESTAMP.test(c.v) || typeof c.id !== 'string' || !Number.isInteger(c.t)
    || !SORT_FIELDS.includes(c.f as SortField) || !['asc', 'desc'].includes(c.d as string)) {
    throw fail('cursor', 'is not a cursor this API returned for this org\'s job list');
  }
  if (c.f !== q.sort.field || c.d !== q.sort.direction) throw fail('cursor', 'was made for another sort; pass the same sort as the first page');
  if (q.offset > 0) throw fail('offset', 'cannot be combined with cursor');
  return c as ListCursor;
}
