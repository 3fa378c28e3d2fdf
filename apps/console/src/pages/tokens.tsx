/** Tokens (ADMIN): create with an access level and expiry (the token shown once, with a copy button), revoke. */
import { useState } from 'preact/hooks';
import { api, Schemas, unwrap } from '../api/client';
import { Access, can, Identity } from '../auth';
import { Dialog, Empty, ProblemBox, Section, Spinner, Time } from '../components/ui';
import { useLoad } from '../use-load';

export function TokensPage({ who }: { who: Identity }) {
  if (!can(who, 'ADMIN')) return <div class="page"><h1>Tokens</h1><Empty>Managing tokens needs an ADMIN token.</Empty></div>;
  return <TokensAdmin who={who} />;
}

function TokensAdmin({ who }: { who: Identity }) {
  const list = useLoad(() => unwrap(api.GET('/services/tokens')), []);
  const [issued, setIssued] = useState<Schemas['IssuedToken']>();
  const [revoking, setRevoking] = useState<Schemas['Token']>();
  return (
    <div class="page">
      <h1>Tokens</h1>
      <CreateToken onCreated={(t) => { setIssued(t); list.reload(); }} />
      {issued ? <IssuedOnce token={issued} onDismiss={() => setIssued(undefined)} /> : null}
      <Section title="Tokens of this org">
        <ProblemBox error={list.error} />
        {!list.data ? <Spinner label="Loading tokens" /> : !list.data.data.length ? <Empty>No tokens.</Empty> : (
          <div class="table-wrap">
            <table data-testid="tokens">
              <thead><tr><th>Name</th><th>Id</th><th>Access</th><th>Created</th><th>Expires</th><th>State</th><th /></tr></thead>
              <tbody>
                {list.data.data.map((t) => (
                  <tr key={t.id} data-token={t.id}>
                    <td>{t.name ?? '—'}</td>
                    <td><code>{t.id}</code>{t.id === who.tokenId ? <span class="muted"> (this tab)</span> : null}</td>
                    <td>{t.scopes.SERVICES}</td>
                    <td><Time at={t.created_at} /></td>
                    <td>{t.expires_at ? <Time at={t.expires_at} /> : 'never'}</td>
                    <td>{t.revoked_at ? <span class="status status-canceled">⊘ revoked <Time at={t.revoked_at} /></span> : <span class="status status-completed">✓ active</span>}</td>
                    <td>{!t.revoked_at ? <button type="button" class="danger" onClick={() => setRevoking(t)}>Revoke…</button> : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
      {revoking ? <Revoke token={revoking} self={revoking.id === who.tokenId} onDone={() => { setRevoking(undefined); list.reload(); }} /> : null}
    </div>
  );
}

function CreateToken({ onCreated }: { onCreated: (t: Schemas['IssuedToken']) => void }) {
  const [name, setName] = useState('');
  const [access, setAccess] = useState<Access>('READ');
  const [expiresIn, setExpiresIn] = useState('30d');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const res = await unwrap(api.POST('/services/tokens', { body: { ...(name.trim() ? { name: name.trim() } : {}), scopes: { SERVICES: access }, ...(expiresIn ? { expires_in: expiresIn } : {}) } }));
      setName('');
      onCreated(res.data);
    } catch (err) { setError(err); } finally { setBusy(false); }
  }
  return (
    <Section title="Create a token">
      <form class="inline-form" onSubmit={submit} aria-label="Create a token">
        <label>Name <input name="name" value={name} maxLength={200} onInput={(e) => setName((e.target as HTMLInputElement).value)} /></label>
        <label>Access
          <select name="access" value={access} onChange={(e) => setAccess((e.target as HTMLSelectElement).value as Access)}>
            <option value="READ">READ</option><option value="WRITE">WRITE</option><option value="ADMIN">ADMIN</option>
          </select>
        </label>
        <label>Expires in
          <select name="expires_in" value={expiresIn} onChange={(e) => setExpiresIn((e.target as HTMLSelectElement).value)}>
            <option value="1h">1 hour</option><option value="1d">1 day</option><option value="7d">7 days</option>
            <option value="30d">30 days</option><option value="365d">1 year</option><option value="">never</option>
          </select>
        </label>
        <button type="submit" disabled={busy}>{busy ? 'Creating…' : 'Create token'}</button>
      </form>
      <ProblemBox error={error} />
    </Section>
  );
}

function IssuedOnce({ token, onDismiss }: { token: Schemas['IssuedToken']; onDismiss: () => void }) {
  const [copied, setCopied] = useState<string>();
  const copy = () => navigator.clipboard.writeText(token.token).then(() => setCopied('Copied.'), () => setCopied('Copying failed: select the text and copy it.'));
  return (
    <div class="issued" role="alert" data-testid="issued-token">
      <p><strong>Token {token.name ?? token.id} created.</strong> This is the only time it is shown: copy it now.</p>
      <input class="secret" readOnly value={token.token} aria-label="The new token" onFocus={(e) => (e.target as HTMLInputElement).select()} />
      <div class="actions">
        <button type="button" onClick={copy}>Copy</button>
        <button type="button" class="secondary" onClick={onDismiss}>I have copied it</button>
        {copied ? <span role="status">{copied}</span> : null}
      </div>
    </div>
  );
}

function Revoke({ token, self, onDone }: { token: Schemas['Token']; self: boolean; onDone: () => void }) {
  const [error, setError] = useState<unknown>();
  async function confirm() {
    try {
      await unwrap(api.DELETE('/services/tokens/{id}', { params: { path: { id: token.id } } }));
      onDone();
    } catch (err) { setError(err); }
  }
  return (
    <Dialog title="Revoke this token?" onClose={onDone}>
      <p>Token <code>{token.id}</code>{token.name ? ` (${token.name})` : ''} stops working at once, and cannot be restored.</p>
      {self ? <p class="notice">This is the token this tab signed in with: you will be signed out.</p> : null}
      <ProblemBox error={error} />
      <div class="actions"><button type="button" class="danger" onClick={confirm}>Revoke</button><button type="button" class="secondary" onClick={onDone}>Keep it</button></div>
    </Dialog>
  );
}
