/**
 * Agent Jobs benchmark: prints figures against the targets, never asserts them.
 *
 *   npm run bench                          # the default scenarios (all but soak, delivery and redis-memory)
 *   npm run bench -- --only create         # one of: create | schedule | list | e2e | baseline | pickup | streams | turns | middleware | retention | delivery | soak | redis-memory | dead-worker (comma-separated works)
 *   npm run bench -- --only baseline --n 8000   # raw Bull, pg-boss 10, the service side by side; writes docs/benchmarks-throughput.png (all systems, or --chart <file>)
 *   npm run bench -- --only pickup --seconds 10   # create + pickup latency at 50 % of the sustained rate, jobs running, both shapes
 *   npm run bench -- --only redis-memory --n 100000   # Redis keys / memory left after N finished jobs (not part of a default run)
 *   npm run bench -- --only soak --minutes 30 --rate 75   # not part of a default run
 *   npm run bench -- --only dead-worker --jobs 600 --over-ms 12000   # issue 7's dead-worker shape; not part of a default run
 *   npm run bench -- --only e2e --mode split --n 20000 --concurrency 64
 *   npm run bench -- --profile             # CPU profile + query/command counts of each measured window
 *
 * Other flags: --rate 300 --seconds 10 (create), --jobs 200 --spread-ms 5000 (schedule),
 * --rows 1000000 --pages 200 --limit 50 (list; retention too, with --seconds 30 --batch 200), --worker-concurrency N --db-pool N
 * --ceiling-n 20000 --batch 500 --batch-concurrency 4 (e2e: also creates through the batch route, beside single creates), --systems bull,pgboss,single,split,batch --bull-n --pgboss-n --pgboss-workers 4 --pgboss-batch 250 --chart docs/benchmarks-throughput.png (baseline),
 * --seconds 10 --sustained-n 3000 --concurrency 64 | --sustained N (pickup), --n 100000 --batch 500 --batch-concurrency 4 --settle-seconds 5 (redis-memory),
 * --minutes 30 --rate 75 (soak), --mode single|split (schedule, e2e, soak, pickup, redis-memory), --keep (keep throwaway DBs),
 * --async-commit (e2e experiment: synchronous_commit = off on the bench database), --streams 1000
 * --stream-jobs 100 --lead-ms 20000 (streams),
 * --turn-rate 100 --turn-seconds 10 --sessions 40 (turns), --rate 300 --seconds 10 --rounds 3 --switches metrics,logs (middleware).
 * Every run ends with issue 12's target table (bench/targets.ts) from the figures it recorded.
 * Environment: BENCH_PG_URL, BENCH_REDIS_URL (127.0.0.1 only), BENCH_VERBOSE=1 (service logs).
 */
import os from 'node:os';
import {
  BenchOptions, cleanAllPrefixes, cleanStaleRuns, closeSink, environmentFloor, flagInt, killChildren, PG_ADMIN_URL, REDIS_URL, sharedSink,
} from './harness';
import { baseline } from './baseline';
import { createLatency } from './create-latency';
import { e2eThroughput } from './e2e-throughput';
import { listAtScale } from './list-at-scale';
import { middlewareCost } from './middleware-cost';
import { pickupLatency } from './pickup-latency';
import { redisMemory } from './redis-memory';
import { retentionBench } from './retention';
import { scheduleLag } from './schedule-lag';
import { soak } from './soak';
import { deliveryConcurrency } from './delivery-concurrency';
import { deadWorker } from './dead-worker';
import { streamFanout } from './stream-fanout';
import { turnsBench } from './turns';
import { heading, printLatency, printSummary, summarize } from './stats';
import { printTargets } from './targets';

interface Scenario {
  run: (o: BenchOptions) => Promise<void>;
  limitMs: (o: BenchOptions) => number;
  /** Runs only when named in --only (too long for a default run). */
  optIn?: boolean;
}

const SCENARIOS: Record<string, Scenario> = {
  create: { run: createLatency, limitMs: () => 3 * 60_000 },
  schedule: { run: scheduleLag, limitMs: () => 3 * 60_000 },
  list: { run: listAtScale, limitMs: () => 30 * 60_000 }, // includes the one-time seeding of 1M jobs
  e2e: { run: e2eThroughput, limitMs: () => 20 * 60_000 },
  // Raw Bull, pg-boss 10 and the service (both shapes, batch once the route exists) side by side; writes the chart.
  baseline: { run: baseline, limitMs: () => 15 * 60_000 },
  // Per shape: start, warm-up, a sustained-rate burst, then --seconds open loop at half that rate.
  pickup: { run: pickupLatency, limitMs: (o) => (2 * (flagInt(o, 'seconds', 10) + 120) + 60) * 1000 },
  streams: { run: streamFanout, limitMs: () => 5 * 60_000 },
  turns: { run: turnsBench, limitMs: () => 3 * 60_000 },
  // Each run: API start (a few s) + 3 s warm-up + the window, twice per round.
  middleware: { run: middlewareCost, limitMs: (o) => (2 * flagInt(o, 'rounds', 3) * (flagInt(o, 'seconds', 10) + 30) + 60) * 1000 },
  // Seeds (or reuses) the list database, copies it, then a window of --seconds.
  retention: { run: retentionBench, limitMs: (o) => 30 * 60_000 + flagInt(o, 'seconds', 30) * 1000 },
  // DELIVERY_CONCURRENCY against a Slack that answers in --latency-ms: posts/s per worker.
  delivery: { run: deliveryConcurrency, limitMs: () => 15 * 60_000, optIn: true },
  // Issue 7's shape: two workers, one SIGKILLed twice 3 s apart while jobs run.
  'dead-worker': { run: deadWorker, limitMs: () => 6 * 60_000, optIn: true },
  soak: { run: soak, limitMs: (o) => (flagInt(o, 'minutes', 30) + 5) * 60_000, optIn: true },
  // N jobs through batch creates, then what the queue prefix still holds; the limit allows for 100 jobs/s.
  'redis-memory': { run: redisMemory, limitMs: (o) => (5 * 60 + flagInt(o, 'n', 100_000) / 100) * 1000, optIn: true },
};

function parse(argv: string[]): { only: string[]; opts: BenchOptions } {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const [name, inline] = arg.slice(2).split('=', 2);
    if (name === 'profile' || name === 'keep' || name === 'async-commit') flags[name] = 'true';
    else {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      flags[name] = value;
    }
  }
  const only = (flags.only ?? Object.keys(SCENARIOS).filter((s) => !SCENARIOS[s].optIn).join(',')).split(',').map((s) => s.trim());
  const unknown = only.filter((s) => !SCENARIOS[s]);
  if (unknown.length) throw new Error(`--only: unknown scenario ${unknown.join(', ')} (one of ${Object.keys(SCENARIOS).join(', ')})`);
  return { only, opts: { profile: flags.profile === 'true', keep: flags.keep === 'true', flags } };
}

async function main(): Promise<void> {
  const { only, opts } = parse(process.argv.slice(2));
  const cpus = os.cpus();
  console.log(`Agent Jobs benchmark  ${new Date().toISOString()}`);
  console.log(`   machine: ${cpus.length} x ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load avg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`   postgres ${new URL(PG_ADMIN_URL).host}, redis ${new URL(REDIS_URL).host}; scenarios: ${only.join(', ')}${opts.profile ? ' (profiling)' : ''}`);
  const stale = await cleanStaleRuns();
  if (stale) console.log(`   removed ${stale} Redis keys left by interrupted bench runs`);
  heading('0. the machine right now (sequential round trips, for reading the figures below)');
  for (const [label, values] of Object.entries(await environmentFloor())) printLatency(label, summarize(values));
  const sink = await sharedSink();
  for (const name of only) {
    const { run } = SCENARIOS[name];
    const limitMs = SCENARIOS[name].limitMs(opts);
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${name} exceeded its ${limitMs / 60_000} min limit`)), limitMs);
    });
    try {
      await Promise.race([run(opts), limit]);
    } catch (err) {
      console.log(`   !! ${name} failed: ${(err as Error).message}`);
      process.exitCode = 1;
      if ((err as Error).message.includes('exceeded')) {
        killChildren();
        await cleanAllPrefixes();
        break;
      }
    } finally {
      clearTimeout(timer);
    }
  }
  if (sink.hits()) console.log(`\n   (the local outbound sink answered ${sink.hits()} calls from the services)`);
  await closeSink();
  printSummary();
  printTargets(only);
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killChildren();
    // Best effort, bounded: the next run also removes what is left (cleanStaleRuns).
    void Promise.race([cleanAllPrefixes(), new Promise((r) => setTimeout(r, 3000))]).finally(() => process.exit(130));
  });
}
process.on('exit', killChildren);

main().then(
  () => process.exit(),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    killChildren();
    process.exit(1);
  },
);
