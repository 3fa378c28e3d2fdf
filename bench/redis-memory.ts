/**
 * R. Redis memory after N finished jobs (issue 12: "flat, no per-job keys left"); opt-in
 * (`--only redis-memory`, --n default 100000). N echo jobs created through the batch route (500
 * per request, for speed), run to COMPLETED and delivered to the local sink, in the api + worker
 * shape (--mode single for npm start). Before and after, what the run's queue prefix holds:
 * keys, entries of its lists / sets / sorted sets / hashes / streams (a finished-jobs set is one
 * key however many ids it holds), and their bytes (MEMORY USAGE); and Redis's used_memory
 * (INFO memory: the whole server, shared with other work, so for information only).
 */
import Redis from 'ioredis';
import { batchCreate, BenchOptions, flagInt, jobBody, ORG, REDIS_URL, scanPrefix, sleep } from './harness';
import { Shape, waitAllFinished, withShape } from './pickup-latency';
import type { Mode } from './e2e-throughput';
import { heading, note, rate, record } from './stats';

interface PrefixUsage {
  keys: number;
  entries: number;
  bytes: number;
  usedMemory: number;
  /** Keys by their name with the ids taken out (`<prefix>:agent-tasks:<id>:lock` -> `agent-tasks:*:lock`), for what is left. */
  shapes: Map<string, number>;
}

const SIZE: Record<string, string | undefined> = { list: 'llen', set: 'scard', zset: 'zcard', hash: 'hlen', stream: 'xlen' };

async function usage(prefix: string): Promise<PrefixUsage> {
  const out: PrefixUsage = { keys: 0, entries: 0, bytes: 0, usedMemory: 0, shapes: new Map() };
  out.keys = await scanPrefix(prefix, async (r, keys) => {
    const types = (await keys.reduce((p, k) => p.type(k), r.pipeline()).exec())!.map(([, t]) => String(t));
    const sizes = r.pipeline();
    keys.forEach((k, i) => {
      const cmd = SIZE[types[i]];
      if (cmd) sizes.call(cmd, k);
      else sizes.exists(k); // a string counts as one entry
      sizes.call('memory', 'usage', k);
    });
    const res = (await sizes.exec())!.map(([, v]) => Number(v ?? 0));
    for (let i = 0; i < keys.length; i++) {
      out.entries += res[2 * i];
      out.bytes += res[2 * i + 1];
      const shape = keys[i].slice(prefix.length + 1).replace(/(^|:)[^:]*\d[^:]*(?=:|$)/g, '$1*');
      out.shapes.set(shape, (out.shapes.get(shape) ?? 0) + 1);
    }
    return keys.length;
  });
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  try {
    out.usedMemory = Number(/used_memory:(\d+)/.exec(await r.info('memory'))?.[1] ?? NaN);
  } finally {
    r.disconnect();
  }
  return out;
}

/** `count` jobs due now through the batch route; the number created (201 items). */
async function createJobs(shape: Shape, count: number, size: number, inFlight: number): Promise<number> {
  const { statuses } = await batchCreate(shape.agent, shape.port, shape.token, JSON.parse(jobBody(ORG)), count, size, inFlight);
  return statuses.get(201) ?? 0;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const names = (u: PrefixUsage) => [...u.shapes].map(([k, v]) => (v > 1 ? `${k} x${v}` : k)).join(', ');

export async function redisMemory(opts: BenchOptions): Promise<void> {
  const n = flagInt(opts, 'n', 100_000);
  const size = Math.min(500, flagInt(opts, 'batch', 500));
  const inFlight = flagInt(opts, 'batch-concurrency', 4);
  const settle = flagInt(opts, 'settle-seconds', 5);
  const mode: Mode = opts.flags.mode === 'single' ? 'single' : 'split';
  heading(`R. Redis memory after ${n.toLocaleString('en-US')} finished jobs (${mode === 'single' ? 'npm start' : 'api + worker'}, batch creates of ${size}, ${inFlight} in flight)`);
  await withShape(opts, 'redismem', mode, inFlight, async (shape) => {
    // Warm-up: the queues' own keys (id counters, the stalled-check key...) exist before "before".
    await createJobs(shape, 1000, size, inFlight);
    await waitAllFinished(shape, 60_000);
    await sleep(settle * 1000);
    const before = await usage(shape.prefix);
    note(`before: ${before.keys} keys, ${before.entries} entries, ${kb(before.bytes)} under the prefix; used_memory ${mb(before.usedMemory)} (whole server)`);
    note(`  keys: ${names(before)}`);

    const t0 = Date.now();
    const created = await createJobs(shape, n, size, inFlight);
    const finished = await waitAllFinished(shape, 120_000 + n * 5);
    const seconds = (Date.now() - t0) / 1000;
    note(`created ${created} of ${n}, finished in ${seconds.toFixed(1)} s (${rate(created / seconds, ' jobs/s')}); jobs ${JSON.stringify(finished.byStatus)}${finished.open ? `, ${finished.open} STILL OPEN` : ''}`);
    // Bull removes a finished job (removeOnComplete / removeOnFail) in the same script that finishes
    // it; the wait covers a delivery job's last step and lock keys that expire rather than being deleted.
    await sleep(settle * 1000);
    const after = await usage(shape.prefix);
    note(`after ${settle} s: ${after.keys} keys, ${after.entries} entries, ${kb(after.bytes)} under the prefix; used_memory ${mb(after.usedMemory)} (whole server)`);
    const grown = [...after.shapes].map(([k, v]) => [k, v - (before.shapes.get(k) ?? 0)] as const).filter(([, d]) => d > 0);
    if (grown.length) note(`keys that grew: ${grown.sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, d]) => `${k} +${d}`).join(', ')}`);
    const per1k = (d: number) => (1000 * d) / Math.max(1, created);
    note(`left per 1,000 finished jobs: ${per1k(after.keys - before.keys).toFixed(2)} keys, ${per1k(after.entries - before.entries).toFixed(2)} entries, `
      + `${(per1k(after.bytes - before.bytes) / 1024).toFixed(1)} KiB under the prefix; used_memory ${after.usedMemory >= before.usedMemory ? '+' : ''}${mb(after.usedMemory - before.usedMemory)} over the run`);
    // "Flat" as a number: the queues' fixed keys exist whatever N is, and a per-job leak leaves at
    // least one key or entry per job (1,000 per 1k). 0.1 per 1k (10 over 100k jobs) allows a few
    // keys a queue creates lazily, and nothing that grows with the jobs.
    const note1 = `${created} jobs; prefix ${before.keys} -> ${after.keys} keys, used_memory ${mb(after.usedMemory - before.usedMemory)} (server-wide)`;
    record({ scenario: 'redis-memory', name: 'keys left per 1k finished jobs', value: per1k(after.keys - before.keys), unit: 'per1k', target: { op: '<=', value: 0.1 }, row: 'redis', note: note1 });
    record({ scenario: 'redis-memory', name: 'queue entries left per 1k finished jobs', value: per1k(after.entries - before.entries), unit: 'per1k', target: { op: '<=', value: 0.1 }, row: 'redis' });
    record({ scenario: 'redis-memory', name: 'prefix bytes left per finished job', value: (after.bytes - before.bytes) / Math.max(1, created) / 1024, unit: 'KB' });
  });
}
