import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { whenUnauthorized } from './api/client';
import { can, forgetToken, Identity, storedIdentity } from './auth';
import { Link } from './components/ui';
import { navigate, useRoute } from './router';
import { SignIn } from './pages/sign-in';
import { JobsPage } from './pages/jobs';
import { JobDetailPage } from './pages/job-detail';
import { SchedulesPage } from './pages/schedules';
import { ChannelsPage } from './pages/channels';
import { JobTypesPage } from './pages/job-types';
import { SessionsPage } from './pages/sessions';
import { SessionDetailPage } from './pages/session-detail';
import { TokensPage } from './pages/tokens';

const NAV: [string, string][] = [['/jobs', 'Jobs'], ['/schedules', 'Schedules'], ['/channels', 'Channels'], ['/job-types', 'Job types'], ['/sessions', 'Sessions']];

function Page({ who }: { who: Identity }) {
  const { path, query } = useRoute();
  const [, section, id] = path.split('/');
  switch (section) {
    case 'jobs': return id ? <JobDetailPage id={decodeURIComponent(id)} who={who} /> : <JobsPage who={who} query={query} />;
    case 'schedules': return <SchedulesPage who={who} />;
    case 'channels': return <ChannelsPage />;
    case 'job-types': return <JobTypesPage />;
    case 'sessions': return id ? <SessionDetailPage id={decodeURIComponent(id)} who={who} /> : <SessionsPage />;
    case 'tokens': return <TokensPage who={who} />;
    default: return <JobsPage who={who} query={query} />;
  }
}

function App() {
  const [who, setWho] = useState<Identity | null>(storedIdentity);
  const [message, setMessage] = useState<string | undefined>();
  const { path } = useRoute();
  useEffect(() => whenUnauthorized((text) => { setMessage(text); setWho(null); }), []);
  if (!who) return <SignIn message={message} onSignedIn={(w) => { setMessage(undefined); setWho(w); }} />;
  const section = `/${path.split('/')[1] ?? ''}`;
  const nav = can(who, 'ADMIN') ? [...NAV, ['/tokens', 'Tokens'] as [string, string]] : NAV;
  return (
    <>
      <header class="top">
        <span class="brand">Agent Jobs</span>
        <nav aria-label="Sections">
          {nav.map(([to, label]) => (
            <Link key={to} to={to} class={section === to || (section === '/' && to === '/jobs') ? 'active' : ''}>{label}</Link>
          ))}
        </nav>
        <span class="who" data-testid="identity">
          org <strong>{who.orgId}</strong> · <span class={`access access-${who.access.toLowerCase()}`}>{who.access}</span>
          <button type="button" class="link" onClick={() => { forgetToken(); setWho(null); navigate('/'); }}>Sign out</button>
        </span>
      </header>
      <main><Page who={who} /></main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
