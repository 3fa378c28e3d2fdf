/** One job: fields, params, result, tasks and their attempts, events, deliveries, subjobs, usage; cancel. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, authHeaders, Job, Schemas, signOutUnauthorized, unwrap } from '../api/client';
import { can, Identity } from '../auth';
import { CancelJob } from '../components/cancel-job';
import { Deliveries } from '../components/deliveries';
import { SubjobTree } from '../components/subjob-tree';
import { TaskTimeline } from '../components/task-timeline';
import { Empty, Field, JsonView, Link, ProblemBox, Section, Spinner, StatusBadge, Time } from '../components/ui';
import { openEventStream } from '../event-stream';
import { TERMINAL } from '../job-filters';
import { useLoad } from '../use-load';

export function JobDetailPage({ id, who }: { id: string; who: Identity }) {
  const job = useLoad(() => unwrap(api.GET('/services/agent-jobs/{id}', { params: { path: { id } } })).then((r) => r.data), [id]);
  const events = useLoad(() => unwrap(api.GET('/services/agent-jobs/{id}/events', { params: { path: { id } } })).then((r) => r.data), [id]);
  const [changes, setChanges] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout>>();

  // The job's own stream: each event reloads the job and its timeline (debounced: events come in bursts).
  useEffect(() => {
    const stream = openEventStream({
      url: `${location.origin}/services/agent-jobs/${encodeURIComponent(id)}/stream`,
      headers: authHeaders,
      onRefused: (status) => { if (status === 401) signOutUnauthorized(); },
      onMessage: () => {
        clearTimeout(timer.current);
        timer.current = setTimeout(() => { job.reload(); events.reload(); setChanges((n) => n + 1); }, 150);
      },
    });
    return () => { stream.close(); clearTimeout(timer.current); };
  }, [id]);

  if (job.error) return <div class="page"><h1>Job <code>{id}</code></h1><ProblemBox error={job.error} /></div>;
  if (!job.data) return <Spinner label="Loading the job" />;
  const j = job.data;
  const terminal = TERMINAL.includes(j.job_status);
  return (
    <div class="page">
      <div class="page-head">
        <h1>Job <code>{j.job_id}</code></h1>
        <span data-testid="job-status"><StatusBadge status={j.job_status} /></span>
        {can(who, 'WRITE') && !terminal ? <CancelJob jobId={j.job_id} onCanceled={() => { job.reload(); events.reload(); }} /> : null}
        {job.loading ? <Spinner label="Refreshing" /> : null}
      </div>
      {j.job_status === 'CANCELED' ? (
        <div class="notice" data-testid="cancel-reason">Canceled <Time at={j.canceled_at} /> by <code>{j.canceled_by ?? 'unknown'}</code>: {j.cancel_reason ?? 'no reason given'}</div>
      ) : null}
      <Section title="Fields"><JobFields job={j} /></Section>
      <div class="two">
        <Section title="Params"><JsonView value={j.params} label="Params" /></Section>
        <Section title={j.error ? 'Error' : 'Result'}>{j.error ? <JsonView value={j.error} label="Error" /> : <JsonView value={j.result} label="Result" />}</Section>
      </div>
      <Section title={`Tasks (${j.tasks.length})`}><TaskTimeline tasks={j.tasks} /></Section>
      <Section title="Event timeline">
        <ProblemBox error={events.error} />
        {events.data ? <EventList events={events.data} /> : <Spinner />}
      </Section>
      <Section title="Deliveries"><Deliveries jobId={j.job_id} who={who} refresh={changes} /></Section>
      <Section title={`Subjobs (${j.subjobs.length})`}>{j.subjobs.length ? <SubjobTree ids={j.subjobs} depth={0} /> : <Empty>No subjobs.</Empty>}</Section>
      <div class="two">
        <Section title="Config"><JsonView value={j.config} label="Config" /></Section>
        <Section title="Target channel and metadata"><JsonView value={{ target_channel: j.target_channel, metadata: j.metadata }} label="Target channel" /></Section>
      </div>
    </div>
  );
}

function JobFields({ job: j }: { job: Job }) {
  return (
    <dl class="fields">
      <Field label="Job type"><Link to={`/job-types`}>{j.job_type_id}</Link></Field>
      <Field label="Channel">{j.channel_code ?? '—'}</Field>
      <Field label="Created"><Time at={j.created_at} /></Field>
      <Field label="Scheduled"><Time at={j.scheduled_at} /></Field>
      <Field label="Started"><Time at={j.started_at} /></Field>
      <Field label="Completed"><Time at={j.completed_at} /></Field>
      <Field label="Updated"><Time at={j.updated_at} /></Field>
      <Field label="Parent">{j.parent_job_id ? <Link to={`/jobs/${j.parent_job_id}`}><code>{j.parent_job_id}</code></Link> : '—'}</Field>
      <Field label="Session">{j.session_id ? <Link to={`/sessions/${j.session_id}`}><code>{j.session_id}</code></Link> : '—'}</Field>
      <Field label="Usage">{j.usage ? `${j.usage.total} tokens (${j.usage.prompt} prompt, ${j.usage.completion} completion)` : '—'}</Field>
      <Field label="Iterations">{j.iterations ?? '—'}</Field>
      <Field label="Delivery">{j.delivery ? <><StatusBadge status={j.delivery.status} /> {j.delivery.platform} {j.delivery.channel ?? ''} {j.delivery.error ? `(${j.delivery.error.code}: ${j.delivery.error.message})` : ''}</> : '—'}</Field>
      <Field label="Callback URL">{j.callback_url ?? '—'}</Field>
    </dl>
  );
}

function EventList({ events }: { events: Schemas['JobEvent'][] }) {
  if (!events.length) return <Empty>No events yet.</Empty>;
  return (
    <ol class="timeline" data-testid="events">
      {events.map((e) => (
        <li key={e.id} class={`event-${e.kind}`}>
          <Time at={e.at} /> <strong>{e.kind === 'transition' ? `${e.from ?? 'created'} → ${e.to}` : `delivery: ${e.to}`}</strong>
          {' '}by <code>{e.actor ?? 'system'}</code>{e.reason ? <> — <q>{e.reason}</q></> : null}
          {e.task_id ? <span class="muted"> (task {e.task_id})</span> : null}
        </li>
      ))}
    </ol>
  );
}
