/** Percentiles, and the printing every scenario shares. The bench prints figures; it never asserts them. */

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function summarize(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((s, v) => s + v, 0);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    mean: sorted.length ? sum / sorted.length : NaN,
  };
}

export const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(v < 10 ? 2 : 1)} ms` : 'n/a');
export const rate = (v: number, unit = '/s') => (Number.isFinite(v) ? `${Math.round(v).toLocaleString('en-US')}${unit}` : 'n/a');

export function heading(title: string): void {
  console.log(`\n== ${title} ${'='.repeat(Math.max(3, 76 - title.length))}`);
}

export function note(text: string): void {
  console.log(`   ${text}`);
}

/** One latency line: "label  n=…  p50 …  p90 …  p99 …  max …". */
export function latencyLine(label: string, s: Summary): string {
  return `${label.padEnd(38)} n=${String(s.n).padEnd(6)} p50 ${ms(s.p50).padStart(9)}  p90 ${ms(s.p90).padStart(9)}  p99 ${ms(s.p99).padStart(9)}  max ${ms(s.max).padStart(9)}`;
}

export function printLatency(label: string, s: Summary): void {
  console.log(`   ${latencyLine(label, s)}`);
}

/** The rows of issue 12's target table (bench/targets.ts prints it from the figures tagged so). */
export type TargetRow = 'single' | 'batch' | 'cpu' | 'create' | 'pickup' | 'list' | 'first' | 'redis';

/** A headline figure against its target, collected for the final summary table. */
export interface Figure {
  scenario: string;
  name: string;
  value: number;
  /** 'x': a ratio (service / pg-boss); 'per1k': a count per 1,000 jobs (Redis keys left). */
  unit: 'ms' | 'jobs/s' | 'rows/s' | 'ops/s' | 'KB' | '%' | 'x' | 'per1k';
  target?: { op: '<=' | '>='; value: number };
  note?: string;
  /** The issue 12 target row this figure speaks for (the row shows the worst of its figures). */
  row?: TargetRow;
}

const figures: Figure[] = [];

export function record(f: Figure): void {
  figures.push(f);
}

/** Every figure recorded so far in this invocation. */
export const recorded = (): readonly Figure[] => figures;

export function verdict(f: Figure): string {
  if (!f.target || !Number.isFinite(f.value)) return '';
  const ok = f.target.op === '<=' ? f.value <= f.target.value : f.value >= f.target.value;
  return ok ? 'met' : 'MISSED';
}

export const fmt = (v: number, unit: Figure['unit']) => {
  if (unit === 'ms') return ms(v);
  if (unit === 'x') return Number.isFinite(v) ? `${v.toFixed(2)} x` : 'n/a';
  if (unit === 'per1k') return Number.isFinite(v) ? `${v.toFixed(2)} per 1k jobs` : 'n/a';
  if (unit === 'KB') return Number.isFinite(v) ? `${v.toFixed(1)} KB` : 'n/a';
  if (unit === '%') return Number.isFinite(v) ? `${v.toFixed(1)} %` : 'n/a';
  return rate(v, ` ${unit}`);
};

export function printSummary(): void {
  if (!figures.length) return;
  heading('Summary (figures, not assertions)');
  for (const f of figures) {
    const target = f.target ? `target ${f.target.op} ${fmt(f.target.value, f.unit)}` : '';
    console.log(`   ${`${f.scenario}: ${f.name}`.padEnd(52)} ${fmt(f.value, f.unit).padStart(13)}   ${target.padEnd(20)} ${verdict(f)}${f.note ? `  (${f.note})` : ''}`);
  }
}
