/** Cancel a job with a reason, after a confirm dialog (DELETE /services/agent-jobs/:id {reason}). */
import { useState } from 'preact/hooks';
import { api, unwrap } from '../api/client';
import { Dialog, ProblemBox } from './ui';

export function CancelJob({ jobId, onCanceled }: { jobId: string; onCanceled: () => void }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  async function confirm(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await unwrap(api.DELETE('/services/agent-jobs/{id}', { params: { path: { id: jobId } }, body: reason.trim() ? { reason: reason.trim() } : {} }));
      setOpen(false);
      onCanceled();
    } catch (err) { setError(err); } finally { setBusy(false); }
  }

  return (
    <>
      <button type="button" class="danger" onClick={() => setOpen(true)}>Cancel job…</button>
      {open ? (
        <Dialog title="Cancel this job?" onClose={() => setOpen(false)}>
          <form onSubmit={confirm}>
            <p>A running job is told to stop; a waiting or scheduled one never reaches its agent.</p>
            <label for="cancel-reason">Reason (shown on the job)</label>
            <textarea id="cancel-reason" rows={3} maxLength={1000} value={reason} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />
            <ProblemBox error={error} />
            <div class="actions">
              <button type="submit" class="danger" disabled={busy}>{busy ? 'Canceling…' : 'Cancel the job'}</button>
              <button type="button" class="secondary" onClick={() => setOpen(false)}>Keep it running</button>
            </div>
          </form>
        </Dialog>
      ) : null}
    </>
  );
}
