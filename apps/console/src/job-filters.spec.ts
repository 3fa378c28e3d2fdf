import { DEFAULT_LIMIT, DEFAULT_SORT, filtersFromQuery, filtersToQuery, listQuery, withFilters } from './job-filters';

describe('job list filters <-> URL query', () => {
  it('round-trips every filter, the sort, the page size and the cursor', () => {
    const filters = {
      status: ['WAITING', 'FAILED'] as ('WAITING' | 'FAILED')[],
      job_type_id: 'report',
      channel_code: 'C0OPS',
      created_at_gte: '2026-01-01T00:00:00.000Z',
      created_at_lte: '2026-01-31',
      scheduled_at: '2026-02-01T09:00:00Z',
      scheduled_at_gte: '2026-02-01',
      scheduled_at_lte: '2026-02-28T23:59:59.999+01:00',
      sort: 'scheduled_at:asc',
      limit: 50,
      cursor: 'eyJrIjoxfQ',
    };
    const query = filtersToQuery(filters);
    expect(filtersFromQuery(new URLSearchParams(query.toString()))).toEqual(filters);
    expect(query.get('status')).toBe('WAITING,FAILED');
  });

  it('leaves the defaults out of the URL, in a stable order', () => {
    expect(filtersToQuery({ status: [], sort: DEFAULT_SORT, limit: DEFAULT_LIMIT }).toString()).toBe('');
    // Statuses in the canonical order, whatever order they were picked in.
    expect(filtersToQuery({ status: ['FAILED', 'WAITING'], sort: DEFAULT_SORT, limit: DEFAULT_LIMIT }).toString()).toBe('status=WAITING%2CFAILED');
  });

  it('drops what the API would refuse, so a hand-edited URL never breaks the page', () => {
    const filters = filtersFromQuery(new URLSearchParams('status=running,BOGUS,&sort=priority:asc&limit=1000&created_at_gte=yesterday&job_type_id=%20&token=secret'));
    expect(filters).toEqual({ status: ['RUNNING'], sort: DEFAULT_SORT, limit: DEFAULT_LIMIT });
    expect(filtersFromQuery(new URLSearchParams('sort=updated_at')).sort).toBe('updated_at:desc');
    expect(filtersFromQuery(new URLSearchParams('limit=0')).limit).toBe(DEFAULT_LIMIT);
  });

  it('builds the list query the API takes, overrides applied (counts per status, first page)', () => {
    const filters = filtersFromQuery(new URLSearchParams('status=WAITING&channel_code=ops&cursor=abc&limit=10'));
    expect(listQuery(filters)).toEqual({ status: 'WAITING', channel_code: 'ops', cursor: 'abc', limit: 10, sort: DEFAULT_SORT });
    expect(listQuery(filters, { status: ['FAILED'], cursor: undefined, limit: 1 })).toEqual({ status: 'FAILED', channel_code: 'ops', limit: 1, sort: DEFAULT_SORT });
  });

  it('goes back to the first page when a filter changes', () => {
    const filters = filtersFromQuery(new URLSearchParams('cursor=abc'));
    expect(withFilters(filters, { job_type_id: 'x' }).cursor).toBeUndefined();
  });
});
