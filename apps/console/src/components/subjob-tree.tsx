/** Subjobs as a tree: each level loaded when shown (a nested list, keyboard-usable with <details>). */
import { api, unwrap } from '../api/client';
import { useLoad } from '../use-load';
import { Link, ProblemBox, Spinner, StatusBadge } from './ui';

const MAX_DEPTH = 5;

function SubjobNode({ id, depth }: { id: string; depth: number }) {
  const job = useLoad(() => unwrap(api.GET('/services/agent-jobs/{id}', { params: { path: { id } } })).then((r) => r.data), [id]);
  if (job.error) return <li><code>{id}</code> <ProblemBox error={job.error} /></li>;
  if (!job.data) return <li><code>{id}</code> <Spinner /></li>;
  const j = job.data;
  const head = <><Link to={`/jobs/${j.job_id}`}><code>{j.job_id}</code></Link> <StatusBadge status={j.job_status} /> {j.job_type_id}</>;
  if (!j.subjobs.length) return <li>{head}</li>;
  return (
    <li>
      <details open={depth < 1}>
        <summary>{head} · {j.subjobs.length} subjob{j.subjobs.length === 1 ? '' : 's'}</summary>
        {depth + 1 < MAX_DEPTH ? <SubjobTree ids={j.subjobs} depth={depth + 1} /> : <p class="muted">Open the job to see deeper levels.</p>}
      </details>
    </li>
  );
}

export function SubjobTree({ ids, depth }: { ids: string[]; depth: number }) {
  return <ul class="tree">{ids.map((id) => <SubjobNode key={id} id={id} depth={depth} />)}</ul>;
}
