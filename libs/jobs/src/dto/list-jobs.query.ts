import { anyText, isoDateTime, ListCursorCodec, ListSort as Sort, PageQueryDto, QueryParam, QueryParser, sortParam } from '@app/common';
import { JOB_STATUSES, JobStatus } from '../job-status';

export const SORT_FIELDS = ['created_at', 'updated_at', 'scheduled_at'] as const;
export type SortField = (typeof SORT_FIELDS)[number];
export type ListSort = Sort<SortField>;

const statusList: QueryParser<JobStatus[]> = {
  parse: (text) => {
    const statuses = text.split(',').map((s) => s.trim().toUpperCase()) as JobStatus[];
    return statuses.every((s) => JOB_STATUSES.includes(s)) ? statuses : undefined;
  },
  expected: `must be one or more of ${JOB_STATUSES.join(', ')}`,
  schema: { type: 'string', description: `One or more of ${JOB_STATUSES.join(', ')}, comma-separated (e.g. WAITING,RUNNING)` },
};

/** The query of GET /services/agent-jobs: filters, sort, and offset or cursor paging. */
export class ListJobsQueryDto extends PageQueryDto {
  @QueryParam(statusList) status?: JobStatus[];
  @QueryParam(isoDateTime, { description: 'Jobs due exactly then' }) scheduled_at?: Date;
  @QueryParam(isoDateTime, { description: 'Jobs due at or after' }) scheduled_at_gte?: Date;
  @QueryParam(isoDateTime, { description: 'Jobs due at or before' }) scheduled_at_lte?: Date;
  @QueryParam(isoDateTime, { description: 'Jobs created at or after' }) created_at_gte?: Date;
  @QueryParam(isoDateTime, { description: 'Jobs created at or before' }) created_at_lte?: Date;
  @QueryParam(anyText) job_type_id?: string;
  @QueryParam(anyText) channel_code?: string;
  @QueryParam(sortParam(SORT_FIELDS), { default: 'created_at:desc' }) sort: ListSort = { field: 'created_at', direction: 'desc' };
  /** Checked by jobListCursors.open, where the org is known (empty: none). */
  @QueryParam(anyText, { description: "The previous page's meta.next_cursor (keyset paging; not with offset)" }) cursor?: string;
}

/** Cursors of the job list: signed for the org, valid with their sort only. */
export const jobListCursors = new ListCursorCodec('jobs', SORT_FIELDS, "this org's job list");
