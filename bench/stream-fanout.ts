/**
 * 5. live stream fan-out. API and worker as two processes; N job streams (default 1,000) open
 * on the API process over J echo jobs (default 100, so 10 streams per job), due evenly over
 * a few seconds (--spread-ms). Fan-out latency = when the bench read an event on a stream minus the event
 * row's `at` (clock_timestamp() at the worker's insert, before its commit; both on this
 * machine's clock), for each live event on each stream. Memory = the API process's RSS with
 * the streams open and idle, minus before they were opened, per stream: measured right after a
 * full garbage collection each time (bench/heap-probe.ts), which is what the streams hold, and
 * also without one (which includes the garbage of opening them that V8 has not collected yet).
 */
import http from 'node:http';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  BenchOptions, cleanRedis, DIST, dropDatabase, ensureEchoJobType, flagInt, freePort, httpRequest, issueToken, jobBody, keepAliveAgent,
  ORG, pool, queuePrefix, Service, serviceEnv, sleep, startService, stopAll, throwawayDatabase, until,
} from './harness';
import { heading, note, printLatency, record, summarize } from './stats';

const DB = throwawayDatabase('streams');
const WAVE = 100;

interface Arrival {
  eventId: number;
  kind: string;
  to: string;
  lagMs: number;
}

interface BenchStream {
  arrivals: Arrival[];
  /** When the first event (the replayed creation) arrived: the stream is open. */
  openedAt: number | null;
  /** Events that happened before the stream was open (replayed, not measured). */
  replayed: number;
  done: boolean;
  ended: Promise<boolean>;
  close: () => void;
}

/** One SSE client on its own socket; records each live event's lag as it is parsed. */
function openJobStream(port: number, token: string, jobId: string): BenchStream {
  const s: BenchStream = { arrivals: [], openedAt: null, replayed: 0, done: false, ended: Promise.resolve(false), close: () => undefined };
  let buffer = '';
  s.ended = new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: `/services/agent-jobs/${jobId}/stream`, agent: false, headers: { authorization: `Bearer ${token}` } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return resolve(false);
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const now = Date.now();
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = message.split('\n').find((l) => l.startsWith('data: '));
          if (!data) continue;
          const event = JSON.parse(data.slice(6)) as { id: number; kind: string; to: string; at: string };
          s.openedAt ??= now;
          if (Date.parse(event.at) < s.openedAt) s.replayed++;
          else s.arrivals.push({ eventId: event.id, kind: event.kind, to: event.to, lagMs: now - Date.parse(event.at) });
        }
      });
      res.on('end', () => { s.done = true; resolve(true); });
      res.on('error', () => resolve(false));
    });
    req.on('error', () => resolve(false));
    s.close = () => req.destroy();
  });
  return s;
}

/** Resident set of a process, from /proc (Linux), in KiB. */
function rssKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return line ? Number(line.split(/\s+/)[1]) : NaN;
}

/** The API's memory right after a full GC (SIGPWR to bench/heap-probe.ts): RSS in KiB and the JS heap in use. */
async function afterGc(pid: number, file: string): Promise<{ rssKiB: number; heapUsed: number }> {
  rmSync(file, { force: true });
  process.kill(pid, 'SIGPWR');
  await until(async () => existsSync(file), (ok) => ok, 10_000, 20);
  const usage = JSON.parse(readFileSync(file, 'utf8')) as { heapUsed: number };
  return { rssKiB: rssKiB(pid), heapUsed: usage.heapUsed };
}

export async function streamFanout(opts: BenchOptions): Promise<void> {
  const streamCount = flagInt(opts, 'streams', 1000);
  const jobCount = Math.min(streamCount, flagInt(opts, 'stream-jobs', 100));
  const leadMs = flagInt(opts, 'lead-ms', 20_000);
  const spreadMs = flagInt(opts, 'spread-ms', 5000);
  heading(`5. live stream fan-out: ${streamCount} job streams on one API process over ${jobCount} echo jobs due over ${spreadMs / 1000} s, worker in its own process`);
  const prefix = queuePrefix('streams');
  const port = await freePort();
  const env = serviceEnv(DB, prefix, port);
  const services: Service[] = [];
  const streams: BenchStream[] = [];
  const heapFile = path.join(tmpdir(), `agent-jobs-bench-heap-${process.pid}.json`);
  await dropDatabase(DB);
  try {
    const token = await issueToken(env, ORG, 'SERVICES:WRITE');
    const api = await startService('api', {
      ...env, BENCH_HEAP_FILE: heapFile, NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --expose-gc --require ${path.join(DIST, 'bench/heap-probe.js')}`.trim(),
    }, opts);
    services.push(api, await startService('worker', env, opts));
    await ensureEchoJobType(port, token);
    const agent = keepAliveAgent(16);

    // Warm-up, which also proves the worker runs jobs and the stream path works end to end.
    const warm = await httpRequest(agent, port, 'POST', '/services/agent-jobs', token, jobBody(ORG));
    if (warm.status !== 201) throw new Error(`warm-up create failed: ${warm.status} ${warm.body}`);
    const warmStream = openJobStream(port, token, JSON.parse(warm.body).data.job_id);
    const warmed = await Promise.race([warmStream.ended, sleep(30_000).then(() => false)]);
    if (!warmed) throw new Error('the warm-up job\'s stream did not end within 30 s: is the worker running?');
    const dueAt = Date.now() + leadMs;
    const created = await pool(jobCount, 8, (i) => httpRequest(agent, port, 'POST', '/services/agent-jobs', token,
      jobBody(ORG, { scheduled_at: new Date(dueAt + Math.floor((i * spreadMs) / jobCount)).toISOString() })));
    if (created.some((r) => r.status !== 201)) throw new Error(`create failed: ${created.find((r) => r.status !== 201)!.body}`);
    const jobIds = created.map((r) => JSON.parse(r.body).data.job_id as string);
    // After the creates: what they allocate is not the streams' memory.
    await sleep(500);
    const rssBefore = rssKiB(api.proc.pid!);
    const gcBefore = await afterGc(api.proc.pid!, heapFile);
    // Clients arriving over a few seconds, WAVE at a time; a stream is open once it replayed its job's creation event.
    for (let i = 0; i < streamCount; i += WAVE) {
      for (let k = i; k < Math.min(streamCount, i + WAVE); k++) streams.push(openJobStream(port, token, jobIds[k % jobCount]));
      await until(async () => streams.filter((s) => s.openedAt !== null).length, (n) => n === streams.length, leadMs, 20);
    }
    const openBy = streams.filter((s) => s.openedAt !== null).length;
    const openedAt = Date.now();
    if (openBy < streamCount) note(`warning: only ${openBy} of ${streamCount} streams had their first event before the jobs were due`);
    if (openedAt > dueAt - 2000) note(`warning: the streams were open only ${dueAt - openedAt} ms before the jobs were due (raise --lead-ms)`);
    await sleep(Math.max(0, Math.min(2000, dueAt - Date.now() - 500)));
    const rssOpen = rssKiB(api.proc.pid!);
    const gcOpen = await afterGc(api.proc.pid!, heapFile);

    for (const svc of services) svc.probe();
    const ended = await until(async () => streams.filter((s) => s.done).length, (n) => n === streamCount, leadMs + spreadMs + 60_000, 250);
    for (const svc of services) svc.probe();

    // Live events: everything after the creation event (RUNNING, COMPLETED, the delivery outcome).
    const lags = streams.flatMap((s) => s.arrivals.map((a) => a.lagMs));
    const late = streams.reduce((n, s) => n + s.replayed, 0) - streamCount;
    const perEvent = new Map<number, number>();
    for (const s of streams) for (const a of s.arrivals) perEvent.set(a.eventId, Math.max(perEvent.get(a.eventId) ?? -Infinity, a.lagMs));
    const each = summarize(lags);
    const all = summarize([...perEvent.values()]);
    const perStreamKiB = (rssOpen - rssBefore) / streamCount;
    const perStreamGcKiB = (gcOpen.rssKiB - gcBefore.rssKiB) / streamCount;
    const heapPerStreamKiB = (gcOpen.heapUsed - gcBefore.heapUsed) / 1024 / streamCount;
    note(`${streamCount} streams open in ${((openedAt - (dueAt - leadMs)) / 1000).toFixed(1)} s; ${ended} ended (job over and delivered); ${lags.length} live event arrivals of ${perEvent.size} events (expected ${jobCount * 3} events x ${streamCount / jobCount} streams)`);
    if (late > 0) note(`warning: ${late} events happened before their stream was open (not measured)`);
    note(`API process RSS ${(rssBefore / 1024).toFixed(1)} MiB before, ${(rssOpen / 1024).toFixed(1)} MiB with the streams open and idle: ${perStreamKiB.toFixed(1)} KB per stream`);
    note(`after a full GC: RSS ${(gcBefore.rssKiB / 1024).toFixed(1)} -> ${(gcOpen.rssKiB / 1024).toFixed(1)} MiB (${perStreamGcKiB.toFixed(1)} KB per stream), `
      + `JS heap in use ${(gcBefore.heapUsed / 2 ** 20).toFixed(1)} -> ${(gcOpen.heapUsed / 2 ** 20).toFixed(1)} MiB (${heapPerStreamKiB.toFixed(1)} KB per stream)`);
    printLatency('event at -> on one stream', each);
    printLatency('event at -> on all of its streams', all);
    for (const [label, pick] of [['  RUNNING', (a: Arrival) => a.to === 'RUNNING'], ['  COMPLETED', (a: Arrival) => a.kind === 'transition' && a.to !== 'RUNNING'], ['  delivery', (a: Arrival) => a.kind === 'delivery']] as const) {
      printLatency(`${label} on one stream`, summarize(streams.flatMap((st) => st.arrivals.filter(pick).map((x) => x.lagMs))));
    }
    note('(the bench parses every stream in its own process on the same 2 cores: its own delay is in the figures)');
    record({ scenario: 'streams', name: 'fan-out p50 (event on a stream)', value: each.p50, unit: 'ms' });
    record({ scenario: 'streams', name: 'fan-out p99 (event on a stream)', value: each.p99, unit: 'ms', target: { op: '<=', value: 100 } });
    record({ scenario: 'streams', name: 'fan-out p99 (event on all its streams)', value: all.p99, unit: 'ms', target: { op: '<=', value: 100 } });
    record({ scenario: 'streams', name: 'API memory per open stream (RSS after a GC)', value: perStreamGcKiB, unit: 'KB', target: { op: '<=', value: 50 } });
    record({ scenario: 'streams', name: 'API RSS per open stream, no GC', value: perStreamKiB, unit: 'KB' });
    record({ scenario: 'streams', name: 'API JS heap per open stream (after a GC)', value: heapPerStreamKiB, unit: 'KB' });
    agent.destroy();
  } finally {
    rmSync(heapFile, { force: true });
    for (const s of streams) s.close();
    await stopAll(services);
    await cleanRedis(prefix);
    if (!opts.keep) await dropDatabase(DB);
  }
}
