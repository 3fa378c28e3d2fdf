/** The org's live sessions, keyset paged. */
import { useState } from 'preact/hooks';
import { api, unwrap } from '../api/client';
import { Empty, Link, ProblemBox, Spinner, StatusBadge, Time } from '../components/ui';
import { useLoad } from '../use-load';

export function SessionsPage() {
  const [cursors, setCursors] = useState<string[]>([]);
  const [filter, setFilter] = useState<{ agent_type?: string; status?: 'idle' | 'busy' }>({});
  const [draft, setDraft] = useState(filter);
  const cursor = cursors[cursors.length - 1];
  const list = useLoad(() => unwrap(api.GET('/services/sessions', {
    params: { query: { limit: 20, sort: 'updated_at:desc', ...filter, ...(cursor ? { cursor } : {}) } },
  })), [cursor, filter.agent_type, filter.status]);
  return (
    <div class="page">
      <h1>Sessions</h1>
      <form class="inline-form" aria-label="Session filters" onSubmit={(e) => { e.preventDefault(); setCursors([]); setFilter(draft); }}>
        <label>Agent type <input name="agent_type" value={draft.agent_type ?? ''} onInput={(e) => setDraft({ ...draft, agent_type: (e.target as HTMLInputElement).value.trim() || undefined })} /></label>
        <label>Status
          <select name="status" value={draft.status ?? ''} onChange={(e) => setDraft({ ...draft, status: ((e.target as HTMLSelectElement).value || undefined) as 'idle' | 'busy' | undefined })}>
            <option value="">any</option><option value="idle">idle</option><option value="busy">busy (a turn running)</option>
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      <ProblemBox error={list.error} />
      {!list.data ? <Spinner label="Loading sessions" /> : !list.data.data.length ? <Empty>No live sessions{filter.agent_type || filter.status ? ' match these filters' : ' (POST /services/sessions/chat starts one)'}.</Empty> : (
        <>
          <div class="table-wrap">
            <table data-testid="sessions">
              <thead><tr><th>Session</th><th>Agent</th><th>Status</th><th>Turns</th><th>Usage</th><th>Updated</th><th>Expires</th></tr></thead>
              <tbody>
                {list.data.data.map((s) => (
                  <tr key={s.session_id}>
                    <td><Link to={`/sessions/${s.session_id}`}><code>{s.session_id}</code></Link></td>
                    <td>{s.agent_type}</td>
                    <td><StatusBadge status={s.status} /></td>
                    <td>{s.turn_count}</td>
                    <td>{s.usage ? `${s.usage.total} tokens` : '—'}</td>
                    <td><Time at={s.updated_at} /></td>
                    <td><Time at={s.expires_at} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav class="pager" aria-label="Pages">
            <span>{list.data.meta.total} session{list.data.meta.total === 1 ? '' : 's'}</span>
            {cursors.length ? <button type="button" class="secondary" onClick={() => setCursors([])}>First page</button> : null}
            {list.data.meta.next_cursor ? <button type="button" onClick={() => setCursors([...cursors, list.data!.meta.next_cursor!])}>Next page</button> : null}
          </nav>
        </>
      )}
    </div>
  );
}
