/**
 * Issue 12's target table, printed once at the end of every bench invocation (bench/run.ts):
 * each row shows the figure this invocation recorded for it (figures tagged with `row` by the
 * scenarios: baseline, pickup, list, redis-memory), or which scenario would measure it. A row
 * fed by several figures (two service shapes, several list filters) shows the worst of them and
 * names it, because a target is met only when every shape / filter meets it.
 */
import { Figure, fmt, heading, note, recorded, TargetRow, verdict } from './stats';

interface Row {
  row: TargetRow;
  measure: string;
  target: string;
  /** The scenario that records it (for "not run (--only ...)"). */
  scenario: string;
  /** Why that scenario may have run without a figure for the row. */
  missing?: string;
}

const ROWS: Row[] = [
  { row: 'single', measure: 'e2e jobs/s through single creates', target: '>= 0.6 x pg-boss send+work', scenario: 'baseline', missing: '--systems without pgboss, or without single and split' },
  { row: 'batch', measure: 'e2e jobs/s through batch creates (500 per request)', target: '>= 1.0 x pg-boss', scenario: 'baseline', missing: '--systems without pgboss or batch, or no batch route' },
  { row: 'cpu', measure: 'CPU per completed job, all processes (API, worker, Postgres, Redis)', target: '<= 1.0 ms', scenario: 'baseline', missing: '--systems without a service system' },
  { row: 'create', measure: 'create p99 at 50 % of the sustained single-create rate', target: '<= 15 ms', scenario: 'pickup' },
  { row: 'pickup', measure: 'pickup p99 (201 -> RUNNING) at that rate', target: '<= 20 ms', scenario: 'pickup' },
  { row: 'list', measure: 'list p99, limit 50, every filter incl. job_type_id + channel_code, 1M jobs', target: '<= 10 ms', scenario: 'list' },
  { row: 'first', measure: 'first page with meta.total, 1M jobs, unfiltered and by status / job type / channel', target: 'p99 <= 20 ms', scenario: 'list' },
  { row: 'redis', measure: 'Redis memory after 100k finished jobs', target: 'flat (no per-job keys left)', scenario: 'redis-memory' },
];

/** The figure furthest from its target (largest for "<=", smallest for ">="); NaN counts as worst. */
function worst(figures: Figure[]): Figure {
  const score = (f: Figure) => (!Number.isFinite(f.value) ? Infinity : f.target?.op === '>=' ? -f.value : f.value);
  return figures.reduce((a, b) => (score(b) > score(a) ? b : a));
}

function cell(figures: Figure[]): { text: string; verdict: string } {
  const w = worst(figures);
  const others = figures.filter((f) => f !== w);
  let text = `${fmt(w.value, w.unit)} (${w.name}${w.note ? `: ${w.note}` : ''})`;
  if (others.length >= 1 && others.length <= 3) text += `; ${others.map((f) => `${f.name} ${fmt(f.value, f.unit)}`).join(', ')}`;
  else if (others.length > 3) text = `worst of ${figures.length}: ${text}`;
  // Met only when every figure of the row is.
  const verdicts = figures.map(verdict);
  return { text, verdict: verdicts.includes('MISSED') ? 'MISSED' : verdicts.every((v) => v === 'met') ? 'met' : '' };
}

/** `ran`: the scenarios of this invocation (a row none of them feeds says how to measure it). */
export function printTargets(ran: string[]): void {
  heading('issue 12 targets (figures of this invocation; never asserted)');
  const figures = recorded();
  const width = Math.max(...ROWS.map((r) => r.measure.length));
  const tw = Math.max(...ROWS.map((r) => r.target.length));
  console.log(`   | ${'measure'.padEnd(width)} | ${'target'.padEnd(tw)} | this run | verdict |`);
  console.log(`   | ${'-'.repeat(width)} | ${'-'.repeat(tw)} | --- | --- |`);
  for (const r of ROWS) {
    const mine = figures.filter((f) => f.row === r.row);
    let value: { text: string; verdict: string };
    if (mine.length) value = cell(mine);
    else if (ran.includes(r.scenario)) value = { text: `not measured (${r.scenario} ran without a figure for it${r.missing ? `: ${r.missing}` : ', see its output'})`, verdict: '' };
    else value = { text: `not run (--only ${r.scenario})`, verdict: '' };
    console.log(`   | ${r.measure.padEnd(width)} | ${r.target.padEnd(tw)} | ${value.text} | ${value.verdict} |`);
  }
  note('a row fed by several figures (service shapes, list walks) shows the worst and names it; "met" only when all of them are');
}
