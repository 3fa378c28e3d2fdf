/** A job's webhook deliveries (callback, observers) with their attempts; redeliver one (WRITE). */
import { useState } from 'preact/hooks';
import { api, unwrap } from '../api/client';
import { can, Identity } from '../auth';
import { useLoad } from '../use-load';
import { Empty, ProblemBox, Spinner, StatusBadge, Time } from './ui';

export function Deliveries({ jobId, who, refresh }: { jobId: string; who: Identity; refresh: number }) {
  const list = useLoad(() => unwrap(api.GET('/services/agent-jobs/{id}/deliveries', { params: { path: { id: jobId }, query: { limit: 100 } } })), [jobId, refresh]);
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [outcome, setOutcome] = useState<string>();

  async function redeliver(deliveryId: string) {
    setBusy(deliveryId);
    setError(undefined);
    try {
      const res = await unwrap(api.POST('/services/agent-jobs/{id}/deliveries/{delivery_id}/redeliver', { params: { path: { id: jobId, delivery_id: deliveryId } } }));
      setOutcome(`Redelivered: ${JSON.stringify(res.data)}`);
      list.reload();
    } catch (err) { setError(err); } finally { setBusy(undefined); }
  }

  if (list.error) return <ProblemBox error={list.error} />;
  if (!list.data) return <Spinner label="Loading deliveries" />;
  return (
    <>
      <ProblemBox error={error} />
      {outcome ? <p class="notice" role="status">{outcome}</p> : null}
      {!list.data.data.length ? <Empty>No webhook deliveries for this job (no callback URL or observers, or nothing to send yet).</Empty> : (
        <div class="table-wrap">
          <table>
            <thead><tr><th>Event</th><th>To</th><th>Status</th><th>Attempts</th><th>Last answer</th><th>Updated</th><th /></tr></thead>
            <tbody>
              {list.data.data.map((d) => (
                <tr key={d.delivery_id}>
                  <td>{d.event_type}{d.event_job_id !== d.job_id ? <span class="muted"> (subjob {d.event_job_id})</span> : null}</td>
                  <td><code>{d.url}</code> <span class="muted">{d.target}</span></td>
                  <td><StatusBadge status={d.status} /></td>
                  <td>{d.automatic_attempts}/{d.max_automatic_attempts}{d.attempts.length > d.automatic_attempts ? ` + ${d.attempts.length - d.automatic_attempts} manual` : ''}</td>
                  <td>{d.last_status_code ?? '—'} {d.last_error ?? ''}</td>
                  <td><Time at={d.updated_at} /></td>
                  <td>{can(who, 'WRITE') ? <button type="button" class="secondary" disabled={busy === d.delivery_id} onClick={() => redeliver(d.delivery_id)}>{busy === d.delivery_id ? 'Sending…' : 'Redeliver'}</button> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
