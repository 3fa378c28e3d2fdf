/**
 * 6. middleware cost: the create scenario (API only, POST /services/agent-jobs at a fixed
 * rate, open loop) with the cross-cutting middleware switched on and off through config,
 * in alternating rounds (off, on, off, on, ...) so that a busy machine's drift falls on
 * both. Prints create p99 and the API process' CPU per request of each, and how much more
 * CPU a request costs with them on (target: at most 10 % more).
 */
import { BenchOptions, flagInt, httpRequest, jobBody, keepAliveAgent, ORG, readProbe, throwawayDatabase, withApiOnly } from './harness';
import { measuredWindow } from './create-latency';
import { printProbe } from './profile-summary';
import { heading, note, printLatency, record, summarize } from './stats';

const DB = throwawayDatabase('middleware');

type Env = Record<string, string>;

/**
 * What each switch sets in the API's environment, on and off. `--switches` picks which are
 * toggled (all by default); the others stay at their defaults in both variants.
 */
export const MIDDLEWARE_SWITCHES: Record<string, { on: Env; off: Env }> = {
  metrics: { on: { METRICS_ENABLED: 'true' }, off: { METRICS_ENABLED: 'false' } },
  // On: an access line per request, JSON on stdout (the bench drains the pipe). Off: below info
  // no access line is written, and the access-log middleware is not installed at all.
  logs: { on: { LOG_LEVEL: 'log', LOG_FORMAT: 'json' }, off: { LOG_LEVEL: 'error' } },
  // On: every request counted in Redis (one EVALSHA), under limits far above --rate (serviceEnv's),
  // so that the figure is the limiter's cost, not its 429s. Off: the guard skips, no connection.
  ratelimit: { on: { RATE_LIMIT_ENABLED: 'true' }, off: { RATE_LIMIT_ENABLED: 'false' } },
};

interface Variant {
  latencies: number[];
  cpuSeconds: number;
  requests: number;
  created: number;
}

export async function middlewareCost(opts: BenchOptions): Promise<void> {
  const perSecond = flagInt(opts, 'rate', 300);
  const seconds = flagInt(opts, 'seconds', 10);
  const rounds = flagInt(opts, 'rounds', 3);
  const names = (opts.flags.switches ?? Object.keys(MIDDLEWARE_SWITCHES).join(',')).split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !MIDDLEWARE_SWITCHES[n]);
  if (unknown.length) throw new Error(`--switches: unknown ${unknown.join(', ')} (one of ${Object.keys(MIDDLEWARE_SWITCHES).join(', ')})`);
  heading(`6. middleware cost: POST /services/agent-jobs at ${perSecond} req/s for ${seconds} s, ${names.join(' + ')} off vs on, ${rounds} round(s) each`);

  const envOf = (state: 'on' | 'off'): Env => Object.assign({}, ...names.map((n) => MIDDLEWARE_SWITCHES[n][state]));
  const variants: Record<'off' | 'on', Variant> = {
    off: { latencies: [], cpuSeconds: 0, requests: 0, created: 0 },
    on: { latencies: [], cpuSeconds: 0, requests: 0, created: 0 },
  };
  for (let round = 1; round <= rounds; round++) {
    for (const state of ['off', 'on'] as const) {
      note(`round ${round}, ${state}: ${JSON.stringify(envOf(state))}`);
      await withApiOnly('middleware', DB, opts, async ({ api, port, token }) => {
        const agent = keepAliveAgent(64);
        const body = jobBody(ORG, { scheduled_at: new Date(Date.now() + 86_400_000).toISOString() });
        const fire = () => httpRequest(agent, port, 'POST', '/services/agent-jobs', token, body);
        const r = await measuredWindow(api, { perSecond, seconds, fire, unit: 'request', units: (w) => w.latencies.length });
        const v = variants[state];
        v.latencies.push(...r.latencies);
        v.cpuSeconds += r.cpuSeconds;
        v.requests += r.latencies.length;
        v.created += r.statuses.get(201) ?? 0;
        if (opts.profile) printProbe('api', await readProbe(api), r.statuses.get(201) ?? 0, 'request');
        agent.destroy();
      }, envOf(state));
    }
  }

  const cpuPerRequest = (v: Variant) => (1000 * v.cpuSeconds) / Math.max(1, v.requests);
  for (const state of ['off', 'on'] as const) {
    const v = variants[state];
    printLatency(`${state}: latency (from scheduled send)`, summarize(v.latencies));
    note(`${state}: ${cpuPerRequest(v).toFixed(3)} ms API CPU per request (${v.requests} requests, ${v.created} created)`);
  }
  const off = variants.off;
  const on = variants.on;
  const extra = 100 * (cpuPerRequest(on) / cpuPerRequest(off) - 1);
  note(`with ${names.join(' + ')} on: ${extra >= 0 ? '+' : ''}${extra.toFixed(1)} % CPU per request; p99 ${summarize(off.latencies).p99.toFixed(2)} -> ${summarize(on.latencies).p99.toFixed(2)} ms`);
  const partial = on.created !== on.requests || off.created !== off.requests ? 'not every request was a 201' : undefined;
  record({ scenario: 'middleware', name: `POST p99 @ ${perSecond} rps, off`, value: summarize(off.latencies).p99, unit: 'ms' });
  record({ scenario: 'middleware', name: `POST p99 @ ${perSecond} rps, ${names.join('+')} on`, value: summarize(on.latencies).p99, unit: 'ms' });
  record({ scenario: 'middleware', name: `extra CPU per request, ${names.join('+')} on`, value: extra, unit: '%', target: { op: '<=', value: 10 }, note: partial });
}
