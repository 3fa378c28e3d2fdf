/** Job types: the agent behind each (executor) and its params and output schemas. */
import { api, unwrap } from '../api/client';
import { Empty, JsonView, Link, ProblemBox, Section, Spinner, Time } from '../components/ui';
import { useLoad } from '../use-load';

export function JobTypesPage() {
  const list = useLoad(() => unwrap(api.GET('/services/job-types')), []);
  return (
    <div class="page">
      <h1>Job types</h1>
      <ProblemBox error={list.error} />
      {!list.data ? <Spinner label="Loading job types" /> : !list.data.data.length ? <Empty>No job types yet (POST /services/job-types).</Empty> : (
        list.data.data.map((t) => (
          <Section key={t.id} title={`${t.name} (${t.id})`} actions={<Link to={`/jobs?job_type_id=${encodeURIComponent(t.id)}`}>Its jobs</Link>}>
            {t.description ? <p>{t.description}</p> : null}
            <p class="muted">Updated <Time at={t.updated_at} /></p>
            <div class="two">
              <div><h3>Executor</h3><JsonView value={t.executor} label="Executor" /></div>
              <div><h3>Default config</h3><JsonView value={t.default_config} label="Default config" /></div>
              <div><h3>Params schema</h3><JsonView value={t.params_schema} label="Params schema" /></div>
              <div><h3>Output schema</h3><JsonView value={t.output_schema} label="Output schema" /></div>
            </div>
          </Section>
        ))
      )}
    </div>
  );
}
