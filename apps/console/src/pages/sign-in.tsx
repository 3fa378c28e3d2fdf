/** Sign in by pasting a token: checked against the API (a list call) before it is kept for the tab. */
import { useState } from 'preact/hooks';
import { api, ApiError, unwrap } from '../api/client';
import { Identity, readToken, storeToken } from '../auth';
import { ProblemBox } from '../components/ui';

export function SignIn({ message, onSignedIn }: { message?: string; onSignedIn: (who: Identity) => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const who = readToken(value);
    if (typeof who === 'string') return setError(new Error(who));
    setBusy(true);
    setError(undefined);
    try {
      // Straight with fetch headers, not the stored token: nothing is kept until the API accepts it.
      await unwrap(api.GET('/services/agent-jobs', { params: { query: { limit: 1 } }, headers: { Authorization: `Bearer ${who.token}` } }));
      storeToken(who.token);
      onSignedIn(who);
    } catch (err) {
      setError(err instanceof ApiError && err.problem.status === 401
        ? new Error('The API refused this token (unknown, revoked, expired or signed for another deployment).')
        : err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="sign-in">
      <h1>Agent Jobs console</h1>
      {message ? <div class="notice" role="alert" data-testid="signin-message">{message}</div> : null}
      <form onSubmit={submit}>
        <label for="token">API token</label>
        <textarea id="token" name="token" rows={5} autoComplete="off" spellcheck={false} value={value}
          onInput={(e) => setValue((e.target as HTMLTextAreaElement).value)}
          placeholder="Paste a token (npm run cli -- token create --org ORG --access SERVICES:READ)" />
        <p class="hint">Kept in this tab only (sessionStorage), sent as a bearer header, never put in a URL.</p>
        <button type="submit" disabled={busy || !value.trim()}>{busy ? 'Checking…' : 'Sign in'}</button>
      </form>
      <ProblemBox error={error} />
    </main>
  );
}
