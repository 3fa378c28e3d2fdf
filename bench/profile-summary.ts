/** Reads a probe report and its .cpuprofile: queries/commands per unit of work, CPU by package and top functions. */
import { readFileSync } from 'node:fs';
import type { ProbeReport } from './harness';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

function bucketOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native/v8)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const app = url.match(/dist\/((apps|libs)\/[^/]+(\/src)?)/);
  if (app) return `app:${app[1].replace('/src', '')}`;
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/').slice(0, 2).join('/');
  return url;
}

export function printProbe(label: string, report: ProbeReport | null, units: number, unitName = 'job'): void {
  if (!report) {
    console.log(`   [${label}] no probe report`);
    return;
  }
  const per = (n: number) => (units ? (n / units).toFixed(2) : 'n/a');
  console.log(`   [${label}] window ${(report.windowMs / 1000).toFixed(1)} s: ${report.pgQueries} pg queries (${per(report.pgQueries)}/${unitName}), ${report.redisCommands} redis commands (${per(report.redisCommands)}/${unitName})`);
  const top = (o: Record<string, number>, k: number) => Object.entries(o).sort((a, b) => b[1] - a[1]).slice(0, k);
  if (report.poolWaits) {
    console.log(`      pool  ${report.poolWaits} connection checkouts, waited avg ${(report.poolWaitMs / report.poolWaits).toFixed(2)} ms, max ${report.poolWaitMax.toFixed(1)} ms`);
  }
  for (const [stmt, n] of top(report.pgByStatement, 12)) {
    const avg = report.pgMsByStatement?.[stmt] !== undefined ? `${(report.pgMsByStatement[stmt] / n).toFixed(2)} ms avg` : '';
    console.log(`      pg    ${per(n).padStart(6)}/${unitName} ${avg.padStart(12)}  ${stmt}`);
  }
  for (const [cmd, n] of top(report.redisByCommand, 10)) console.log(`      redis ${per(n).padStart(6)}/${unitName}  ${cmd}`);
  if (!report.profile) return;
  const profile = JSON.parse(readFileSync(report.profile, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byBucket = new Map<string, number>();
  const byFn = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (!us) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const bucket = bucketOf(url, functionName);
    byBucket.set(bucket, (byBucket.get(bucket) ?? 0) + us);
    const fnKey = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, '')}:${lineNumber + 1}` : ''}`;
    byFn.set(fnKey, (byFn.get(fnKey) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1)}%`.padStart(6);
  console.log(`      cpu   busy ${(total / 1e6).toFixed(2)} s of ${((total + idle) / 1e6).toFixed(2)} s sampled; self time by package:`);
  console.log(`            ${[...byBucket].sort((a, b) => b[1] - a[1]).slice(0, 14).map(([b, us]) => `${b} ${pct(us).trim()}`).join(', ')}`);
  console.log('      top self-time functions:');
  for (const [fn, us] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`        ${pct(us)}  ${fn}`);
}
