/**
 * Clear finished jobs now (ADMIN): DELETE /services/agent-jobs?status=... with the list's other
 * filters, answering {"meta": {"deleted": N}}. The count to be deleted is shown before confirming
 * (the list's meta.total for the same query).
 */
import { useState } from 'preact/hooks';
import { api, unwrap } from '../api/client';
import { JobFilters, listQuery, TERMINAL, Status } from '../job-filters';
import { Dialog, ProblemBox, Spinner } from './ui';

/** `status` is named apart: the route requires it (the confirm button needs one status checked). */
async function clearJobs({ status, ...filters }: Record<string, string>): Promise<number> {
  const body = await unwrap(api.DELETE('/services/agent-jobs', { params: { query: { ...filters, status } } }));
  return body.meta.deleted;
}

export function ClearFinishedJobs({ filters, onCleared }: { filters: JobFilters; onCleared: () => void }) {
  const [open, setOpen] = useState(false);
  const [statuses, setStatuses] = useState<Status[]>(TERMINAL);
  const [count, setCount] = useState<number | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<number | undefined>();

  const query = (list: Status[]) => {
    const q = listQuery(filters, { status: list, cursor: undefined }) as Record<string, string | number>;
    delete q.limit; delete q.sort; delete q.cursor;
    return Object.fromEntries(Object.entries(q).map(([k, v]) => [k, String(v)]));
  };
  async function countFor(list: Status[]) {
    setStatuses(list);
    setCount(undefined);
    if (!list.length) return;
    try {
      const page = await unwrap(api.GET('/services/agent-jobs', { params: { query: { ...query(list), limit: 1 } } }));
      setCount(page.meta.total);
    } catch (err) { setError(err); }
  }
  async function confirm() {
    setBusy(true);
    setError(undefined);
    try {
      setDone(await clearJobs(query(statuses)));
      setOpen(false);
      onCleared();
    } catch (err) { setError(err); } finally { setBusy(false); }
  }

  return (
    <>
      <button type="button" class="danger" onClick={() => { setOpen(true); setDone(undefined); void countFor(statuses); }}>Clear finished jobs…</button>
      {done !== undefined ? <span class="notice" role="status">{done} finished job{done === 1 ? '' : 's'} deleted.</span> : null}
      {open ? (
        <Dialog title="Clear finished jobs" onClose={() => setOpen(false)}>
          <p>Deletes the finished jobs matching the current filters, with their tasks, events and deliveries. A job goes with its
            subjobs, and only once its whole tree is finished. This cannot be undone.</p>
          <fieldset>
            <legend>Statuses to clear</legend>
            {TERMINAL.map((s) => (
              <label key={s} class="check"><input type="checkbox" checked={statuses.includes(s)}
                onChange={() => void countFor(statuses.includes(s) ? statuses.filter((x) => x !== s) : [...statuses, s])} /> {s}</label>
            ))}
          </fieldset>
          <p data-testid="clear-count">{!statuses.length ? 'Pick at least one status.' : count === undefined ? <Spinner label="Counting" /> : `${count} finished ${count === 1 ? 'job matches' : 'jobs match'}.`}</p>
          <ProblemBox error={error} />
          <div class="actions">
            <button type="button" class="danger" disabled={busy || !statuses.length || !count} onClick={confirm}>{busy ? 'Deleting…' : 'Delete them'}</button>
            <button type="button" class="secondary" onClick={() => setOpen(false)}>Keep them</button>
          </div>
        </Dialog>
      ) : null}
    </>
  );
}
