/** A job's tasks: a table of attempts and a timeline of bars from started_at to finished_at. */
import type { Schemas } from '../api/client';
import { duration } from '../format';
import { Chart } from './chart';
import { Empty, JsonView, StatusBadge, Time } from './ui';
import uPlot from 'uplot';

type Task = Schemas['Task'];

export function TaskTimeline({ tasks }: { tasks: Task[] }) {
  if (!tasks.length) return <Empty>No tasks yet.</Empty>;
  const started = tasks.filter((t) => t.started_at);
  return (
    <>
      {started.length ? <AttemptBars tasks={started} /> : null}
      <div class="table-wrap">
        <table data-testid="tasks">
          <thead><tr><th>Attempt</th><th>Kind</th><th>Status</th><th>Started</th><th>Took</th><th>Usage</th><th>Tool calls</th><th>Result or error</th></tr></thead>
          <tbody>
            {tasks.map((t) => (
              <tr key={t.task_id}>
                <td>#{t.attempt}</td>
                <td>{t.kind}</td>
                <td><StatusBadge status={t.status} /></td>
                <td><Time at={t.started_at} /></td>
                <td>{t.started_at && t.finished_at ? duration(Date.parse(t.finished_at) - Date.parse(t.started_at)) : t.started_at ? 'running' : '—'}</td>
                <td>{t.usage ? `${t.usage.total} tokens` : '—'}{t.iterations ? `, ${t.iterations} iterations` : ''}</td>
                <td>{t.tool_calls?.length ? t.tool_calls.map((c) => `${c.tool} (${c.status})`).join(', ') : '—'}</td>
                <td>{t.error ? <JsonView value={t.error} label="Task error" /> : <JsonView value={t.result} label="Task result" />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** Each attempt as a horizontal bar on a time axis (a running one reaches now). */
function AttemptBars({ tasks }: { tasks: Task[] }) {
  const now = Date.now() / 1000;
  const spans = tasks.map((t) => [Date.parse(t.started_at!) / 1000, t.finished_at ? Date.parse(t.finished_at) / 1000 : now]);
  const min = Math.min(...spans.map((s) => s[0]));
  const max = Math.max(...spans.map((s) => s[1]), min + 1);
  const draw = (u: uPlot) => {
    const ctx = u.ctx;
    spans.forEach(([from, to], i) => {
      const y = u.valToPos(i, 'y', true);
      const x0 = u.valToPos(from, 'x', true);
      const x1 = Math.max(u.valToPos(to, 'x', true), x0 + 3);
      ctx.fillStyle = tasks[i].status === 'FAILED' ? '#b91c1c' : '#2563eb';
      ctx.fillRect(x0, y - 8 * devicePixelRatio, x1 - x0, 16 * devicePixelRatio);
    });
  };
  return (
    <figure>
      <figcaption>Attempts over time</figcaption>
      <Chart label={`Task attempts: ${tasks.map((t, i) => `#${t.attempt} ${t.status} ${duration((spans[i][1] - spans[i][0]) * 1000)}`).join(', ')}`}
        height={Math.max(90, 40 + tasks.length * 28)}
        data={[[min, max], [null, null]]}
        options={{
          legend: { show: false },
          scales: { x: { range: [min - (max - min) * 0.02, max + (max - min) * 0.02] }, y: { range: [-0.7, tasks.length - 0.3] } },
          axes: [{ space: 90 }, { values: (_u, ticks) => ticks.map((v) => (Number.isInteger(v) && tasks[v] ? `#${tasks[v].attempt}` : '')), splits: () => tasks.map((_, i) => i), size: 40 }],
          series: [{}, { show: false }],
          hooks: { draw: [draw] },
        }} />
    </figure>
  );
}
