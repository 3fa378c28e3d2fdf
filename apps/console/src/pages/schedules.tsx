/** Schedules: cron, next run, pause/resume (WRITE), and each schedule's runs. */
import { useState } from 'preact/hooks';
import { api, Schemas, unwrap } from '../api/client';
import { can, Identity } from '../auth';
import { OffsetPager } from '../components/offset-pager';
import { Empty, JsonView, Link, ProblemBox, Spinner, Time } from '../components/ui';
import { runsAfter } from '../next-runs';
import { useLoad } from '../use-load';

const LIMIT = 20;

export function SchedulesPage({ who }: { who: Identity }) {
  const [offset, setOffset] = useState(0);
  const list = useLoad(() => unwrap(api.GET('/services/schedules', { params: { query: { limit: LIMIT, offset } } })), [offset]);
  const [open, setOpen] = useState<string>();
  return (
    <div class="page">
      <h1>Schedules</h1>
      <ProblemBox error={list.error} />
      {!list.data ? <Spinner label="Loading schedules" /> : !list.data.data.length ? <Empty>No schedules yet (POST /services/schedules creates one).</Empty> : (
        <>
          <div class="table-wrap">
            <table data-testid="schedules">
              <thead><tr><th>Name</th><th>Cron</th><th>State</th><th>Next run</th><th>Last run</th><th /></tr></thead>
              <tbody>
                {list.data.data.map((s) => (
                  <ScheduleRow key={s.id} schedule={s} who={who} open={open === s.id} onToggle={() => setOpen(open === s.id ? undefined : s.id)} onChanged={list.reload} />
                ))}
              </tbody>
            </table>
          </div>
          <OffsetPager offset={offset} limit={LIMIT} total={list.data.meta.total} onPage={setOffset} />
        </>
      )}
    </div>
  );
}

function ScheduleRow({ schedule: s, who, open, onToggle, onChanged }: { schedule: Schemas['Schedule']; who: Identity; open: boolean; onToggle: () => void; onChanged: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  async function setEnabled(enabled: boolean) {
    setBusy(true);
    setError(undefined);
    try {
      await unwrap(api.PATCH('/services/schedules/{id}', { params: { path: { id: s.id } }, body: { enabled } }));
      onChanged();
    } catch (err) { setError(err); } finally { setBusy(false); }
  }
  return (
    <>
      <tr>
        <td>{s.name ?? <code>{s.id}</code>}</td>
        <td><code>{s.cron}</code> <span class="muted">{s.timezone}</span></td>
        <td>{s.enabled ? <span class="status status-running">▶ active</span> : <span class="status status-canceled">⏸ paused</span>}</td>
        <td>{s.enabled ? <NextRuns schedule={s} /> : <span class="muted">paused</span>}</td>
        <td><Time at={s.last_run_at} />{s.last_job_id ? <> · <Link to={`/jobs/${s.last_job_id}`}>job</Link></> : null}</td>
        <td class="row-actions">
          {can(who, 'WRITE') ? <button type="button" class="secondary" disabled={busy} onClick={() => setEnabled(!s.enabled)}>{s.enabled ? 'Pause' : 'Resume'}</button> : null}
          <button type="button" class="link" aria-expanded={open} onClick={onToggle}>{open ? 'Hide runs' : 'Runs'}</button>
        </td>
      </tr>
      {error ? <tr><td colSpan={6}><ProblemBox error={error} /></td></tr> : null}
      {open ? <tr><td colSpan={6}><ScheduleRuns schedule={s} /></td></tr> : null}
    </>
  );
}

function ScheduleRuns({ schedule }: { schedule: Schemas['Schedule'] }) {
  const runs = useLoad(() => unwrap(api.GET('/services/schedules/{id}/runs', { params: { path: { id: schedule.id }, query: { limit: 50 } } })), [schedule.id]);
  if (runs.error) return <ProblemBox error={runs.error} />;
  if (!runs.data) return <Spinner label="Loading runs" />;
  return (
    <div class="runs">
      <details><summary>The job it creates</summary><JsonView value={schedule.job} label="Job template" /></details>
      {!runs.data.data.length ? <Empty>No runs yet.</Empty> : (
        <ul>
          {runs.data.data.map((r) => (
            <li key={`${r.fire_at}-${r.job_id}`}>
              <Time at={r.fire_at} /> {r.job_id ? <Link to={`/jobs/${r.job_id}`}><code>{r.job_id}</code></Link> : null}
              {r.catch_up ? <span class="muted"> (catch-up)</span> : null}{r.error ? <span class="status status-failed"> ✗ {JSON.stringify(r.error)}</span> : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The next run (the API's) and the two after it (computed from the cron, in the schedule's zone). */
function NextRuns({ schedule: s }: { schedule: Schemas['Schedule'] }) {
  if (!s.next_run_at) return <span class="muted">never again</span>;
  const later = runsAfter(s.cron, s.timezone, new Date(s.next_run_at), 2);
  return (
    <div data-testid="next-runs">
      <Time at={s.next_run_at} />
      {later.length ? <div class="muted">then {later.map((d) => d.toISOString()).map((at, i) => <span key={at}>{i ? ', ' : ''}<Time at={at} /></span>)}</div> : null}
    </div>
  );
}
