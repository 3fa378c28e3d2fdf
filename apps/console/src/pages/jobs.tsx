/** The jobs list: filters and sort in the URL, keyset paging, status counts, charts, live status. */
import { useRef, useState } from 'preact/hooks';
import { api, Job, unwrap } from '../api/client';
import { can, Identity } from '../auth';
import { ClearFinishedJobs } from '../components/clear-jobs';
import { JobCharts } from '../components/job-charts';
import { JobFiltersForm } from '../components/job-filters-form';
import { StatusCounts } from '../components/status-counts';
import { Empty, Link, ProblemBox, Spinner, StatusBadge, Time } from '../components/ui';
import { DEFAULT_SORT, filtersFromQuery, filtersToQuery, JobFilters, listQuery, Status, withFilters } from '../job-filters';
import { JobEvent, LiveIndicator, useOrgEvents } from '../live';
import { navigate } from '../router';
import { useLoad } from '../use-load';

const COUNTS_REFRESH_MS = 3000;

interface Transition { key: number; job_id: string; from: string | null; to: string; at: string }

const show = (filters: JobFilters) => {
  const query = filtersToQuery(filters).toString();
  navigate(`/jobs${query ? `?${query}` : ''}`);
};

export function JobsPage({ who, query }: { who: Identity; query: URLSearchParams }) {
  const filters = filtersFromQuery(query);
  const key = filtersToQuery(filters).toString();
  const page = useLoad(() => unwrap(api.GET('/services/agent-jobs', { params: { query: listQuery(filters) } })), [key]);
  const [transitions, setTransitions] = useState<Transition[]>([]);
  const [refresh, setRefresh] = useState(0);
  const refreshTimer = useRef<ReturnType<typeof setTimeout>>();

  // New jobs join the top of the first page when the view shows the newest first.
  const showsNewest = !filters.cursor && filters.sort === DEFAULT_SORT && !filters.job_type_id && !filters.channel_code
    && !Object.keys(filters).some((k) => k.includes('_at'));

  const live = useOrgEvents((event: JobEvent) => {
    if (event.kind !== 'transition') return;
    setTransitions((list) => [{ key: event.id, job_id: event.job_id, from: event.from, to: event.to, at: event.at }, ...list].slice(0, 8));
    // Throttled, not debounced: a busy org's steady stream of events still refreshes the counts,
    // at most every COUNTS_REFRESH_MS (6 requests each, within the token's rate limit).
    refreshTimer.current ??= setTimeout(() => { refreshTimer.current = undefined; setRefresh((n) => n + 1); }, COUNTS_REFRESH_MS);
    const listed = page.data?.data.some((j) => j.job_id === event.job_id);
    if (listed) {
      page.set((p) => ({ ...p, data: p.data.map((j) => (j.job_id === event.job_id ? { ...j, job_status: event.to as Job['job_status'], updated_at: event.at } : j)) }));
    } else if (event.from === null && showsNewest && (!filters.status.length || filters.status.includes(event.to as Status))) {
      void unwrap(api.GET('/services/agent-jobs/{id}', { params: { path: { id: event.job_id } } })).then((res) => {
        page.set((p) => (p.data.some((j) => j.job_id === res.data.job_id) ? p : { ...p, data: [res.data, ...p.data].slice(0, filters.limit), meta: { ...p.meta, total: p.meta.total + 1 } }));
      }, () => undefined);
    }
  });

  const toggleStatus = (s: Status) => show(withFilters(filters, { status: filters.status.includes(s) ? filters.status.filter((x) => x !== s) : [...filters.status, s] }));

  return (
    <div class="page">
      <div class="page-head">
        <h1>Jobs</h1>
        <LiveIndicator state={live} />
        {can(who, 'ADMIN') ? <ClearFinishedJobs filters={filters} onCleared={() => { page.reload(); setRefresh((n) => n + 1); }} /> : null}
      </div>
      <StatusCounts filters={filters} refresh={refresh} onToggle={toggleStatus} />
      <JobCharts refresh={refresh} />
      <details class="filter-box" open={!!key}>
        <summary>Filters and sort</summary>
        <JobFiltersForm filters={filters} onApply={show} />
      </details>
      {transitions.length ? (
        <ol class="ticker" aria-label="Latest status changes" data-testid="ticker">
          {transitions.map((t) => (
            <li key={t.key} data-job={t.job_id}>
              <Link to={`/jobs/${t.job_id}`}><code>{t.job_id}</code></Link>: {t.from ?? 'created'} → {t.to} <Time at={t.at} />
            </li>
          ))}
        </ol>
      ) : null}
      <ProblemBox error={page.error} />
      {page.loading && !page.data ? <Spinner label="Loading jobs" /> : null}
      {page.data ? <JobTable jobs={page.data.data} /> : null}
      {page.data ? (
        <nav class="pager" aria-label="Pages">
          <span>{page.data.meta.total} job{page.data.meta.total === 1 ? '' : 's'} match</span>
          {filters.cursor ? <button type="button" class="secondary" onClick={() => show({ ...filters, cursor: undefined })}>First page</button> : null}
          {page.data.meta.next_cursor ? <button type="button" onClick={() => show({ ...filters, cursor: page.data!.meta.next_cursor! })}>Next page</button> : null}
          {page.loading ? <Spinner label="Refreshing" /> : null}
        </nav>
      ) : null}
    </div>
  );
}

function JobTable({ jobs }: { jobs: Job[] }) {
  if (!jobs.length) return <Empty>No jobs match these filters.</Empty>;
  return (
    <div class="table-wrap">
      <table class="jobs" data-testid="jobs-table">
        <thead><tr><th>Job</th><th>Status</th><th>Type</th><th>Channel</th><th>Created</th><th>Scheduled</th><th>Updated</th></tr></thead>
        <tbody>
          {jobs.map((job) => (
            <tr key={job.job_id} data-job={job.job_id}>
              <td><Link to={`/jobs/${job.job_id}`}><code>{job.job_id}</code></Link></td>
              <td><StatusBadge status={job.job_status} /></td>
              <td>{job.job_type_id}</td>
              <td>{job.channel_code ?? '—'}</td>
              <td><Time at={job.created_at} /></td>
              <td><Time at={job.scheduled_at} /></td>
              <td><Time at={job.updated_at} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
