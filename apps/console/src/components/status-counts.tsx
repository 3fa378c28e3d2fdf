/** How many jobs of each status match the other filters (the list's meta.total per status). */
import { api, unwrap } from '../api/client';
import { JobFilters, listQuery, STATUSES, Status } from '../job-filters';
import { useLoad } from '../use-load';
import { ProblemBox, StatusBadge } from './ui';

export function StatusCounts({ filters, refresh, onToggle }: { filters: JobFilters; refresh: number; onToggle: (s: Status) => void }) {
  const counts = useLoad(() => Promise.all(STATUSES.map((status) =>
    unwrap(api.GET('/services/agent-jobs', { params: { query: listQuery(filters, { status: [status], cursor: undefined, limit: 1 }) } }))
      .then((page) => [status, page.meta.total] as const))), [JSON.stringify({ ...filters, status: [], cursor: undefined }), refresh]);
  if (counts.error) return <ProblemBox error={counts.error} />;
  return (
    <div class="counts" role="group" aria-label="Jobs per status (click to filter)">
      {STATUSES.map((status) => {
        const n = counts.data?.find(([s]) => s === status)?.[1];
        const on = filters.status.includes(status);
        return (
          <button type="button" key={status} class={`count ${on ? 'on' : ''}`} aria-pressed={on} onClick={() => onToggle(status)} data-testid={`count-${status}`}>
            <StatusBadge status={status} /> <strong>{n ?? '…'}</strong>
          </button>
        );
      })}
    </div>
  );
}
