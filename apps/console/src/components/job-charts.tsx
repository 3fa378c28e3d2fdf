/**
 * The jobs page's pictures, from the list API's meta.total with status and time filters:
 * jobs per status created in the last 24 h (bars) and jobs created per hour (a sparkline).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, unwrap } from '../api/client';
import { STATUSES } from '../job-filters';
import { useLoad } from '../use-load';
import { bars, Chart } from './chart';
import { ProblemBox, Spinner } from './ui';

const HOUR = 3600_000;

const total = (query: Record<string, string>) =>
  unwrap(api.GET('/services/agent-jobs', { params: { query: { ...query, limit: 1 } } })).then((p) => p.meta.total);

/** Runs at most `width` calls at a time (the counts are many small requests). */
async function pooled<T>(tasks: (() => Promise<T>)[], width = 4): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]();
    }
  }));
  return out;
}

/** Reloaded at most every CHART_REFRESH_MS of live changes (each load is 30 small requests). */
const CHART_REFRESH_MS = 60_000;

export function JobCharts({ refresh }: { refresh: number }) {
  const [tick, setTick] = useState(0);
  const last = useRef(Date.now());
  useEffect(() => {
    if (!refresh) return undefined;
    const wait = Math.max(0, last.current + CHART_REFRESH_MS - Date.now());
    const timer = setTimeout(() => { last.current = Date.now(); setTick((n) => n + 1); }, wait);
    return () => clearTimeout(timer);
  }, [refresh]);
  const charts = useLoad(async () => {
    const now = Math.ceil(Date.now() / HOUR) * HOUR;
    const since = new Date(now - 24 * HOUR).toISOString();
    const perStatus = await pooled(STATUSES.map((status) => () => total({ status, created_at_gte: since })));
    const hours = Array.from({ length: 24 }, (_, i) => now - (24 - i) * HOUR);
    const perHour = await pooled(hours.map((start) => () => total({
      created_at_gte: new Date(start).toISOString(), created_at_lte: new Date(start + HOUR - 1).toISOString(),
    })));
    return { perStatus, hours, perHour };
  }, [tick]);
  if (charts.error) return <ProblemBox error={charts.error} />;
  if (!charts.data) return <Spinner label="Loading charts" />;
  // Kept on screen while a reload runs (useLoad keeps the last data).
  const { perStatus, hours, perHour } = charts.data;
  return (
    <div class="charts">
      <figure>
        <figcaption>Jobs created in the last 24 h, by status</figcaption>
        <Chart label={`Jobs per status in the last 24 hours: ${STATUSES.map((s, i) => `${s} ${perStatus[i]}`).join(', ')}`}
          data={[STATUSES.map((_, i) => i), perStatus]}
          options={{
            legend: { show: false },
            scales: { x: { time: false, range: [-0.5, STATUSES.length - 0.5] }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
            axes: [{ values: (_u, ticks) => ticks.map((t) => STATUSES[t]?.slice(0, 4) ?? ''), splits: () => STATUSES.map((_, i) => i) }, {}],
            series: [{}, { label: 'jobs', fill: 'rgba(37,99,235,0.6)', stroke: '#1d4ed8', paths: bars(), points: { show: false } }],
          }} />
        <p class="figures" data-testid="per-status">{STATUSES.map((s, i) => `${s} ${perStatus[i]}`).join(' · ')}</p>
      </figure>
      <figure>
        <figcaption>Throughput: jobs created per hour, last 24 h</figcaption>
        <Chart label={`Jobs created per hour over the last 24 hours, ${perHour.reduce((a, b) => a + b, 0)} in all`} height={90}
          data={[hours.map((h) => h / 1000), perHour]}
          options={{
            legend: { show: false },
            scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
            axes: [{ space: 60 }, { size: 40 }],
            series: [{}, { label: 'jobs/hour', stroke: '#0f766e', fill: 'rgba(15,118,110,0.15)', width: 2 }],
          }} />
        <p class="figures">{perHour.reduce((a, b) => a + b, 0)} jobs in 24 h, peak {Math.max(...perHour)}/h</p>
      </figure>
    </div>
  );
}
