import { anyText, ListCursorCodec, ListSort, PageQueryDto, QueryParam, QueryParser, sortParam } from '@app/common';

export const SESSION_SORT_FIELDS = ['created_at', 'updated_at'] as const;
export type SessionSortField = (typeof SESSION_SORT_FIELDS)[number];

const sessionStatus: QueryParser<'idle' | 'busy'> = {
  parse: (text) => (text === 'idle' || text === 'busy' ? text : undefined),
  expected: 'must be idle or busy',
  schema: { type: 'string', enum: ['idle', 'busy'] },
};

/** The query of GET /services/sessions: filters, sort, and offset or cursor paging (as the job list). */
export class ListSessionsQueryDto extends PageQueryDto {
  @QueryParam(anyText) agent_type?: string;
  @QueryParam(sessionStatus) status?: 'idle' | 'busy';
  @QueryParam(sortParam(SESSION_SORT_FIELDS), { default: 'created_at:desc' }) sort: ListSort<SessionSortField> = { field: 'created_at', direction: 'desc' };
  /** Checked by sessionListCursors.open, where the org is known (empty: none). */
  @QueryParam(anyText, { description: "The previous page's meta.next_cursor (keyset paging; not with offset)" }) cursor?: string;
}

/** Cursors of the session list: signed for the org, valid with their sort only. */
export const sessionListCursors = new ListCursorCodec('sessions', SESSION_SORT_FIELDS, "this org's session list");
