/**
 * 5. session turns. POST /services/sessions/chat at a fixed rate (open loop, as the create
 * bench), spread over several sessions in parallel (a session takes one turn at a time: each
 * send goes to a session that is idle), against the builtin echo agent. Echo answers in-process
 * in microseconds, so a turn's API time is its overhead: auth, the busy check with the turn and
 * message inserts, the history read, the executor, and the statement that ends the turn.
 */
import {
  apiProcessesEnv, BenchOptions, cleanRedis, dropDatabase, ensureEchoJobType, flagInt, freePort, httpRequest, issueToken, keepAliveAgent,
  ORG, queuePrefix, readProbe, Service, serviceEnv, startService, throwawayDatabase,
} from './harness';
import { paced } from './create-latency';
import { printProbe } from './profile-summary';
import { heading, note, printLatency, record, summarize } from './stats';

const DB = throwawayDatabase('turns');

export async function turnsBench(opts: BenchOptions): Promise<void> {
  const perSecond = flagInt(opts, 'turn-rate', 100);
  const seconds = flagInt(opts, 'turn-seconds', 10);
  const sessions = flagInt(opts, 'sessions', 40);
  heading(`5. session turns: POST /services/sessions/chat at ${perSecond} turns/s for ${seconds} s over ${sessions} sessions (builtin echo agent)`);
  const prefix = queuePrefix('turns');
  const port = await freePort();
  const env = { ...serviceEnv(DB, prefix, port), ...apiProcessesEnv(opts) };
  let api: Service | undefined;
  await dropDatabase(DB);
  try {
    const token = await issueToken(env, ORG, 'SERVICES:WRITE'); // creates + migrates the database
    api = await startService('api', env, opts);
    await ensureEchoJobType(port, token);
    const agent = keepAliveAgent(64);
    const chat = (body: object) => httpRequest(agent, port, 'POST', '/services/sessions/chat', token, JSON.stringify(body));

    // Idle sessions, each made by its first turn; a send takes one and gives it back once answered.
    const idle: string[] = [];
    for (let i = 0; i < sessions; i++) idle.push(JSON.parse((await chat({ agent_type: 'echo', message: 'hello' })).body).data.session_id);
    const statuses = new Map<string, number>();
    const turnMs: number[] = [];
    const fire = async () => {
      const sessionId = idle.shift();
      const res = await chat(sessionId ? { session_id: sessionId, message: 'how are you?' } : { agent_type: 'echo', message: 'hello' });
      const turn = res.status === 200 ? JSON.parse(res.body).data : null;
      const outcome = turn ? turn.status : `HTTP ${res.status}`;
      statuses.set(outcome, (statuses.get(outcome) ?? 0) + 1);
      if (turn) {
        idle.push(turn.session_id);
        turnMs.push(new Date(turn.finished_at).getTime() - new Date(turn.started_at).getTime());
      } else if (sessionId) idle.push(sessionId);
      return res;
    };

    await paced(perSecond, 3, fire); // warm-up: JIT, pool connections, token and job type caches
    statuses.clear();
    turnMs.length = 0;
    api.probe();
    const cpu0 = api.cpuSeconds();
    const r = await paced(perSecond, seconds, fire);
    const cpu = api.cpuSeconds() - cpu0;
    api.probe();
    const done = turnMs.length;
    const s = summarize(r.serviceTimes);
    note(`sent ${r.latencies.length + r.errors} in ${(r.elapsedMs / 1000).toFixed(1)} s = ${(done / (r.elapsedMs / 1000)).toFixed(1)} turns/s; `
      + `outcomes ${JSON.stringify(Object.fromEntries(statuses))}; errors ${r.errors}; sessions used ${idle.length}`);
    note(`API process CPU: ${((100 * cpu) / (r.elapsedMs / 1000)).toFixed(0)}% of a core = ${((1000 * cpu) / Math.max(1, done)).toFixed(2)} ms CPU per turn`);
    printLatency('turn latency (from scheduled send)', summarize(r.latencies));
    printLatency('turn overhead (API time, echo ~0 ms)', s);
    printLatency('started_at -> finished_at (in Postgres)', summarize(turnMs));
    record({ scenario: 'turns', name: `turns/s @ ${perSecond}/s offered`, value: done / (r.elapsedMs / 1000), unit: 'ops/s', target: { op: '>=', value: perSecond * 0.98 } });
    record({
      scenario: 'turns', name: `turn overhead p99 @ ${perSecond}/s`, value: s.p99, unit: 'ms', target: { op: '<=', value: 10 },
      note: done === r.latencies.length ? undefined : `${done} of ${r.latencies.length} were 200`,
    });
    if (opts.profile) printProbe('api', await readProbe(api), done, 'turn');
    agent.destroy();
  } finally {
    await api?.stop();
    await cleanRedis(prefix);
    if (!opts.keep) await dropDatabase(DB);
  }
}
