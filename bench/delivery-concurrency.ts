/**
 * delivery. How many Slack posts one worker delivers per second for a given DELIVERY_CONCURRENCY
 * when Slack answers in `--latency-ms` (default 150: a typical chat.postMessage round trip from
 * a cloud region; this machine cannot reach Slack, so the local sink waits that long before it
 * answers). Per concurrency: `--jobs` echo jobs are created at once, their channel posts wait in
 * the queue, and the worker drains them; the bench prints posts/s, the delivery lag (post
 * created -> delivered) and the sockets the sink saw (the keep-alive pool: at most the
 * concurrency, never one per post). Little's law says posts/s <= concurrency / latency until
 * CPU is the limit; the default of DELIVERY_CONCURRENCY comes from these figures.
 */
import { performance } from 'node:perf_hooks';
import {
  BenchOptions, databaseUrl, dropDatabase, ensureEchoJobType, flagInt, freePort, httpRequest, issueToken, jobBody, keepAliveAgent,
  ORG, pool, queuePrefix, Service, serviceEnv, sharedSink, startService, startSink, stopAll, throwawayDatabase, until, withPg,
} from './harness';
import { heading, ms, note, record } from './stats';

const DB = throwawayDatabase('delivery');

export async function deliveryConcurrency(opts: BenchOptions): Promise<void> {
  const latencyMs = flagInt(opts, 'latency-ms', 150);
  const jobs = flagInt(opts, 'jobs', 3000);
  const levels = (opts.flags.concurrencies ?? '20,64,128').split(',').map(Number).filter((n) => n > 0);
  heading(`delivery: ${jobs} Slack posts per run, Slack answering in ${latencyMs} ms, DELIVERY_CONCURRENCY ${levels.join(' / ')}`);
  await sharedSink();
  note(`ceiling by Little's law: concurrency / ${latencyMs} ms = ${levels.map((c) => `${c}: ${Math.round(c / (latencyMs / 1000))}/s`).join(', ')}`);
  note('concurrency   posts/s   lag p50 ms   lag p99 ms   sockets');
  for (const concurrency of levels) {
    const slack = await startSink({ latencyMs });
    const port = await freePort();
    const env = serviceEnv(DB, queuePrefix(`delivery-${concurrency}`), port, {
      SLACK_API_URL: `${slack.url}/api/`, DELIVERY_CONCURRENCY: String(concurrency),
    });
    const services: Service[] = [];
    await dropDatabase(DB);
    try {
      const token = await issueToken(env, ORG, 'SERVICES:WRITE');
      services.push(await startService('api+worker', env, opts));
      await ensureEchoJobType(port, token);
      const agent = keepAliveAgent(32);
      const sql = (text: string) => withPg(databaseUrl(DB), async (c) => (await c.query(text)).rows);
      const t0 = performance.now();
      await pool(jobs, 32, () => httpRequest(agent, port, 'POST', '/services/agent-jobs', token, jobBody(ORG)));
      const delivered = async () => (await sql(`SELECT count(*)::int AS n FROM channel_posts WHERE status = 'DELIVERED'`))[0].n as number;
      const n = await until(delivered, (d) => d >= jobs, 60_000 + jobs * latencyMs, 250);
      const [s] = await sql(
        `SELECT extract(epoch FROM max(updated_at) - min(updated_at)) AS span_s, count(*)::int AS n,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at) * 1000) AS p50,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at) * 1000) AS p99
         FROM channel_posts WHERE status = 'DELIVERED'`,
      );
      const perSecond = Number(s.n) / Math.max(Number(s.span_s), 0.001);
      note(`${String(concurrency).padStart(11)}   ${perSecond.toFixed(0).padStart(7)}   ${ms(Number(s.p50)).padStart(10)}   ${ms(Number(s.p99)).padStart(10)}   ${String(slack.sockets()).padStart(7)}`
        + (n < jobs ? `   (only ${n} of ${jobs} delivered)` : '') + `   (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      record({ scenario: 'delivery', name: `posts/s at concurrency ${concurrency}, Slack ${latencyMs} ms`, value: perSecond, unit: 'ops/s' });
    } finally {
      await stopAll(services);
      await slack.close();
    }
  }
  if (!opts.flags.keep) await dropDatabase(DB);
}
