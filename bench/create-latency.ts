/**
 * 1. create-job latency. POST /services/agent-jobs at a fixed rate (open loop: requests
 * go out on schedule whether or not earlier ones have answered, and latency is counted
 * from the scheduled send time, so a stall cannot hide itself). Jobs are scheduled one
 * day ahead and no worker runs: only the API path is measured. Then, for information,
 * the API's capacity with autocannon (closed loop, fixed connections).
 */
import { performance } from 'node:perf_hooks';
import {
  BenchOptions, flagInt, httpRequest, jobBody, keepAliveAgent, ORG, readProbe, Service, sleep, throwawayDatabase, withApiOnly,
} from './harness';
import { printProbe } from './profile-summary';
import { heading, note, printLatency, rate, record, summarize } from './stats';

const DB = throwawayDatabase('create');

// autocannon ships no types; this is the part of its API the bench uses.
interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon: (opts: Record<string, unknown>) => Promise<AutocannonResult> = require('autocannon');

export interface PacedResult {
  /** From the scheduled send time to the end of the response. */
  latencies: number[];
  /** From the moment the request was actually written (bench-side scheduling delay excluded). */
  serviceTimes: number[];
  statuses: Map<number, number>;
  errors: number;
  elapsedMs: number;
}

/** Sends `total` requests at `perSecond`, evenly spaced, without waiting for answers. */
export async function paced(perSecond: number, seconds: number, fire: () => Promise<{ status: number; ms: number }>): Promise<PacedResult> {
  const total = Math.round(perSecond * seconds);
  const interval = 1000 / perSecond;
  const out: PacedResult = { latencies: [], serviceTimes: [], statuses: new Map(), errors: 0, elapsedMs: 0 };
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
      while (sent < due) {
        const intended = start + sent * interval;
        sent++;
        inFlight.push(fire().then(
          (r) => {
            out.latencies.push(performance.now() - intended);
            out.serviceTimes.push(r.ms);
            out.statuses.set(r.status, (out.statuses.get(r.status) ?? 0) + 1);
          },
          () => { out.errors++; },
        ));
      }
      if (sent >= total) return resolve();
      setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    tick();
  });
  await Promise.race([Promise.all(inFlight), sleep(35_000)]);
  out.elapsedMs = performance.now() - start;
  return out;
}

export interface MeasuredWindow {
  perSecond: number;
  seconds: number;
  fire: () => Promise<{ status: number; ms: number }>;
  /** What the CPU is divided by ("request", "turn") and how many of them the window did. */
  unit: string;
  units: (r: PacedResult) => number;
  /** Called once the warm-up's requests have all answered, as the measured window starts. */
  onStart?: () => void;
}

/**
 * A 3 s warm-up at the rate (JIT, pool connections, caches), then the measured window, with
 * the API's probe window and CPU seconds around it; prints what was sent and the CPU per unit.
 */
export async function measuredWindow(api: Service, w: MeasuredWindow): Promise<PacedResult & { cpuSeconds: number }> {
  const { perSecond, seconds, fire, unit, units } = w;
  await paced(perSecond, 3, fire);
  w.onStart?.();
  api.probe();
  const cpu0 = api.cpuSeconds();
  const r = await paced(perSecond, seconds, fire);
  const cpu = api.cpuSeconds() - cpu0;
  api.probe();
  note(`sent ${r.latencies.length + r.errors} in ${(r.elapsedMs / 1000).toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries(r.statuses))}; errors ${r.errors}`);
  note(`API process CPU: ${((100 * cpu) / (r.elapsedMs / 1000)).toFixed(0)}% of a core = ${((1000 * cpu) / Math.max(1, units(r))).toFixed(2)} ms CPU per ${unit}`);
  return { ...r, cpuSeconds: cpu };
}

export async function createLatency(opts: BenchOptions): Promise<void> {
  const perSecond = flagInt(opts, 'rate', 300);
  const seconds = flagInt(opts, 'seconds', 10);
  heading(`1. create-job latency: POST /services/agent-jobs at ${perSecond} req/s for ${seconds} s (worker off${opts.flags['api-processes'] ? `, ${opts.flags['api-processes']} API processes` : ''})`);
  await withApiOnly('create', DB, opts, async ({ api, port, token }) => {
    const agent = keepAliveAgent(64);
    const body = jobBody(ORG, { scheduled_at: new Date(Date.now() + 86_400_000).toISOString() });
    const fire = () => httpRequest(agent, port, 'POST', '/services/agent-jobs', token, body);

    const r = await measuredWindow(api, { perSecond, seconds, fire, unit: 'request', units: (w) => w.latencies.length });
    const created = r.statuses.get(201) ?? 0;
    const s = summarize(r.latencies);
    printLatency('latency (from scheduled send)', s);
    printLatency('latency (from actual send)', summarize(r.serviceTimes));
    record({ scenario: 'create', name: `POST p50 @ ${perSecond} rps`, value: s.p50, unit: 'ms' });
    record({ scenario: 'create', name: `POST p99 @ ${perSecond} rps`, value: s.p99, unit: 'ms', target: { op: '<=', value: 15 }, note: created === r.latencies.length ? undefined : `${created} of ${r.latencies.length} were 201` });
    if (opts.profile) printProbe('api', await readProbe(api), created, 'request');

    // Capacity, for information: how many creates/s the API answers with 16 connections busy.
    const ac = await autocannon({
      url: `http://127.0.0.1:${port}/services/agent-jobs`,
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
      connections: 16,
      duration: 5,
    });
    note(`capacity (autocannon, 16 connections, 5 s, closed loop): ${rate(ac.requests.average, ' req/s')} avg, `
      + `latency p50 ${ac.latency.p50} ms / p99 ${ac.latency.p99} ms, non-2xx ${ac.non2xx}, errors ${ac.errors}`);
    record({ scenario: 'create', name: 'capacity, 16 connections (info)', value: ac.requests.average, unit: 'ops/s' });
    agent.destroy();
  });
}
