/** Every filter and sort of GET /services/agent-jobs, as a form that writes the URL query. */
import { useEffect, useState } from 'preact/hooks';
import { DATE_FILTERS, DateFilter, DEFAULT_LIMIT, JobFilters, SORT_FIELDS, STATUSES, Status, withFilters } from '../job-filters';
import { isoToLocalInput, localInputToIso } from '../format';

const DATE_LABELS: Record<DateFilter, string> = {
  created_at_gte: 'Created from', created_at_lte: 'Created until',
  scheduled_at: 'Scheduled exactly at', scheduled_at_gte: 'Scheduled from', scheduled_at_lte: 'Scheduled until',
};

export function JobFiltersForm({ filters, onApply }: { filters: JobFilters; onApply: (f: JobFilters) => void }) {
  const [draft, setDraft] = useState(filters);
  useEffect(() => setDraft(filters), [JSON.stringify(filters)]);
  const set = (change: Partial<JobFilters>) => setDraft((d) => ({ ...d, ...change }));
  const toggle = (s: Status) => set({ status: draft.status.includes(s) ? draft.status.filter((x) => x !== s) : [...draft.status, s] });
  const [field, direction] = draft.sort.split(':');
  const text = (e: Event) => (e.target as HTMLInputElement).value;

  return (
    <form class="filters" aria-label="Job filters" onSubmit={(e) => { e.preventDefault(); onApply(withFilters(draft, {})); }}>
      <fieldset>
        <legend>Status</legend>
        {STATUSES.map((s) => (
          <label key={s} class="check"><input type="checkbox" name="status" value={s} checked={draft.status.includes(s)} onChange={() => toggle(s)} /> {s}</label>
        ))}
      </fieldset>
      <label>Job type <input name="job_type_id" value={draft.job_type_id ?? ''} onInput={(e) => set({ job_type_id: text(e) || undefined })} /></label>
      <label>Channel code <input name="channel_code" value={draft.channel_code ?? ''} onInput={(e) => set({ channel_code: text(e) || undefined })} /></label>
      {DATE_FILTERS.map((key) => (
        <label key={key}>{DATE_LABELS[key]}
          <input type="datetime-local" name={key} value={isoToLocalInput(draft[key])} onInput={(e) => set({ [key]: localInputToIso(text(e)) || undefined })} />
        </label>
      ))}
      <label>Sort by
        <select name="sort_field" value={field} onChange={(e) => set({ sort: `${text(e)}:${direction}` })}>
          {SORT_FIELDS.map((f) => <option key={f} value={f}>{f}</option>)}
        </select>
      </label>
      <label>Order
        <select name="sort_direction" value={direction} onChange={(e) => set({ sort: `${field}:${text(e)}` })}>
          <option value="desc">newest first</option><option value="asc">oldest first</option>
        </select>
      </label>
      <label>Per page
        <select name="limit" value={String(draft.limit)} onChange={(e) => set({ limit: Number(text(e)) })}>
          {[10, 20, 50, 100].map((n) => <option key={n} value={n}>{n}</option>)}
        </select>
      </label>
      <div class="actions">
        <button type="submit">Apply filters</button>
        <button type="button" class="secondary" onClick={() => onApply({ status: [], sort: 'created_at:desc', limit: DEFAULT_LIMIT })}>Reset</button>
      </div>
    </form>
  );
}
