import { validationFailed } from '../errors';
import type { QueryParser } from './query-param';
import type { SignedCursors } from './signed-cursors';

export type SortDirection = 'asc' | 'desc';
export interface ListSort<F extends string = string> {
  field: F;
  direction: SortDirection;
}

/** `field:asc|desc` with `field` one of `fields`; the direction defaults to desc. */
export function sortParam<F extends string>(fields: readonly F[]): QueryParser<ListSort<F>> {
  return {
    parse: (text) => {
      const parts = text.split(':');
      const [field, direction = 'desc'] = parts;
      if (parts.length > 2 || !fields.includes(field as F) || !['asc', 'desc'].includes(direction)) return undefined;
      return { field: field as F, direction: direction as SortDirection };
    },
    expected: `must be field:asc|desc with field one of ${fields.join(', ')}`,
    schema: {
      type: 'string',
      pattern: `^(${fields.join('|')})(:(asc|desc))?$`,
      description: `\`field:asc|desc\`, field one of ${fields.join(', ')} (the direction defaults to desc)`,
    },
  };
}

/** A cursor's payload: the last row's sort value and id, the sort, and the total of page one. */
export interface ListCursor<F extends string = string> {
  v: string;
  id: string;
  f: F;
  d: SortDirection;
  t: number;
}

/** What a list's query holds for paging. */
export interface PagedQuery<F extends string> {
  limit: number;
  offset: number;
  sort: ListSort<F>;
  cursor?: string;
}

const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)?$/;

/**
 * The keyset cursors of one list (`list`, e.g. "jobs"), sorted by one of `fields` (timestamps):
 * signed for the org and the list, and only valid with the sort they were made for.
 */
export class ListCursorCodec<F extends string> {
  constructor(
    private readonly list: string,
    private readonly fields: readonly F[],
    /** Names the list in the field error, e.g. "this org's job list". */
    private readonly described: string,
  ) {}

  sign(cursors: SignedCursors, orgId: string, c: ListCursor<F>): string {
    return cursors.sign(this.scope(orgId), { ...c });
  }

  /**
   * The cursor's payload; 400 on `cursor` unless we signed it for this org's list and it is
   * used with its sort, 400 on `offset` with one (a cursor page starts right after its row).
   */
  open(cursors: SignedCursors, orgId: string, q: PagedQuery<F>): ListCursor<F> {
    const c = cursors.open(this.scope(orgId), q.cursor ?? '') as Partial<ListCursor<F>> | undefined;
    const fail = (field: string, message: string) => validationFailed([{ field, message }], 'Invalid list filters');
    if (!c || typeof c.v !== 'string' || !PG_TIMESTAMP.test(c.v) || typeof c.id !== 'string' || !Number.isInteger(c.t)
      || !this.fields.includes(c.f as F) || !['asc', 'desc'].includes(c.d as string)) {
      throw fail('cursor', `is not a cursor this API returned for ${this.described}`);
    }
    if (c.f !== q.sort.field || c.d !== q.sort.direction) throw fail('cursor', 'was made for another sort; pass the same sort as the first page');
    if (q.offset > 0) throw fail('offset', 'cannot be combined with cursor');
    return c as ListCursor<F>;
  }

  /**
   * A page from `rows` fetched with LIMIT limit + 1 (the extra row says there is more), with
   * the meta every list answers: {org_id, limit, offset, total, sort, next_cursor}.
   */
  page<R extends { id: string; _sort_key: string }>(cursors: SignedCursors, orgId: string, q: PagedQuery<F>, rows: R[], total: number) {
    const { field, direction } = q.sort;
    const hasMore = rows.length > q.limit;
    const page = hasMore ? rows.slice(0, q.limit) : rows;
    const last = page[page.length - 1];
    const nextCursor = hasMore && last ? this.sign(cursors, orgId, { v: last._sort_key, id: last.id, f: field, d: direction, t: total }) : null;
    const meta = { org_id: orgId, limit: q.limit, offset: q.cursor ? 0 : q.offset, total, sort: [{ field, direction }], next_cursor: nextCursor };
    return { page, meta };
  }

  private scope(orgId: string): string {
    return `${this.list}:${orgId}`;
  }
}
