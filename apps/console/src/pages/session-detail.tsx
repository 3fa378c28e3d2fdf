/** One session: its history as a chat transcript, its turns (tool calls, usage), cancel a running turn. */
import { useState } from 'preact/hooks';
import { api, Schemas, unwrap } from '../api/client';
import { can, Identity } from '../auth';
import { bars, Chart } from '../components/chart';
import { Dialog, Empty, Field, Link, ProblemBox, Section, Spinner, StatusBadge, Time } from '../components/ui';
import { duration } from '../format';
import { useLoad } from '../use-load';

type Turn = Schemas['Turn'];

export function SessionDetailPage({ id, who }: { id: string; who: Identity }) {
  const session = useLoad(() => unwrap(api.GET('/services/sessions/{id}', { params: { path: { id } } })).then((r) => r.data), [id]);
  const turns = useLoad(() => unwrap(api.GET('/services/sessions/{id}/turns', { params: { path: { id } } })).then((r) => r.data), [id]);
  const [canceling, setCanceling] = useState(false);
  if (session.error) return <div class="page"><h1>Session <code>{id}</code></h1><ProblemBox error={session.error} /></div>;
  if (!session.data) return <Spinner label="Loading the session" />;
  const s = session.data;
  const reload = () => { session.reload(); turns.reload(); };
  return (
    <div class="page">
      <div class="page-head">
        <h1>Session <code>{s.session_id}</code></h1>
        <StatusBadge status={s.status} />
        {can(who, 'WRITE') && s.status === 'busy' ? <button type="button" class="danger" onClick={() => setCanceling(true)}>Cancel running turn…</button> : null}
        <button type="button" class="secondary" onClick={reload}>Refresh</button>
      </div>
      {canceling ? <CancelTurn sessionId={s.session_id} onDone={() => { setCanceling(false); reload(); }} /> : null}
      <Section title="Session">
        <dl class="fields">
          <Field label="Agent">{s.agent_type}</Field>
          <Field label="Turns">{s.turn_count}</Field>
          <Field label="Usage">{s.usage ? `${s.usage.total} tokens (${s.usage.prompt} prompt, ${s.usage.completion} completion)` : '—'}</Field>
          <Field label="Created"><Time at={s.created_at} /></Field>
          <Field label="Expires"><Time at={s.expires_at} /> (TTL {s.ttl_hours} h)</Field>
        </dl>
      </Section>
      <Section title="Transcript">
        {!s.messages.length ? <Empty>No messages yet.</Empty> : (
          <ol class="chat" data-testid="transcript">
            {s.messages.map((m, i) => (
              <li key={i} class={`msg msg-${m.role}`}>
                <div class="msg-head"><strong>{m.role === 'user' ? 'User' : 'Agent'}</strong> <Time at={m.at} />
                  {m.job_id ? <> · <Link to={`/jobs/${m.job_id}`}>job</Link></> : null}</div>
                <div class="msg-body">{m.content}</div>
              </li>
            ))}
          </ol>
        )}
      </Section>
      <Section title="Turns">
        <ProblemBox error={turns.error} />
        {!turns.data ? <Spinner label="Loading turns" /> : <Turns turns={turns.data} />}
      </Section>
    </div>
  );
}

function Turns({ turns }: { turns: Turn[] }) {
  if (!turns.length) return <Empty>No turns yet.</Empty>;
  const totals = turns.map((t) => t.usage?.total ?? 0);
  return (
    <>
      <figure>
        <figcaption>Tokens per turn</figcaption>
        <Chart label={`Tokens per turn: ${totals.join(', ')}`} height={120} data={[turns.map((_, i) => i + 1), totals]}
          options={{
            legend: { show: false },
            scales: { x: { time: false, range: [0.5, turns.length + 0.5] }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
            axes: [{ splits: () => turns.map((_, i) => i + 1), values: (_u, ticks) => ticks.map((t) => `#${t}`) }, { size: 50 }],
            series: [{}, { label: 'tokens', fill: 'rgba(124,58,237,0.5)', stroke: '#6d28d9', paths: bars(), points: { show: false } }],
          }} />
      </figure>
      <div class="table-wrap">
        <table data-testid="turns">
          <thead><tr><th>#</th><th>Status</th><th>Started</th><th>Took</th><th>Tool calls</th><th>Iterations</th><th>Usage</th><th>Error or cancel</th></tr></thead>
          <tbody>
            {turns.map((t, i) => (
              <tr key={t.turn_id}>
                <td>{i + 1}</td>
                <td><StatusBadge status={t.status} /></td>
                <td><Time at={t.started_at} /></td>
                <td>{t.finished_at ? duration(Date.parse(t.finished_at) - Date.parse(t.started_at)) : 'running'}</td>
                <td>{t.tool_calls.length ? <ul>{t.tool_calls.map((c, k) => <li key={k}>{c.tool}: {c.status}, {duration(c.duration_ms)}{c.error_code ? ` (${c.error_code})` : ''}</li>)}</ul> : '—'}</td>
                <td>{t.iterations}</td>
                <td>{t.usage ? `${t.usage.total} (${t.usage.prompt}+${t.usage.completion})` : '—'}</td>
                <td>{t.error ? `${t.error.code}: ${t.error.message}` : t.cancel_reason ? `canceled: ${t.cancel_reason}` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function CancelTurn({ sessionId, onDone }: { sessionId: string; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  // Disabled while the cancel is in flight, so a second click cannot send a second cancel.
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await unwrap(api.POST('/services/sessions/{id}/cancel', { params: { path: { id: sessionId } }, body: reason.trim() ? { reason: reason.trim() } : {} }));
      onDone(); // closes (unmounts) the dialog
    } catch (err) { setError(err); setBusy(false); }
  }
  return (
    <Dialog title="Cancel the running turn?" onClose={onDone}>
      <form onSubmit={submit}>
        <label for="turn-reason">Reason</label>
        <textarea id="turn-reason" rows={3} value={reason} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />
        <ProblemBox error={error} />
        <div class="actions"><button type="submit" class="danger" disabled={busy}>{busy ? 'Canceling…' : 'Cancel the turn'}</button><button type="button" class="secondary" onClick={onDone}>Keep it</button></div>
      </form>
    </Dialog>
  );
}
