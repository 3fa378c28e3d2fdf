/**
 * 5. session turns. POST /services/sessions/chat at a fixed rate (open loop, as the create
 * bench), spread over several sessions in parallel (a session takes one turn at a time: each
 * send goes to a session that is idle), against the builtin echo agent. Echo answers in-process
 * in microseconds, so a turn's API time is its overhead: auth, the busy check with the turn and
 * message inserts, the history read, the executor, and the statement that ends the turn.
 */
import { BenchOptions, flagInt, httpRequest, keepAliveAgent, readProbe, throwawayDatabase, withApiOnly } from './harness';
import { measuredWindow } from './create-latency';
import { printProbe } from './profile-summary';
import { heading, note, printLatency, record, summarize } from './stats';

const DB = throwawayDatabase('turns');

export async function turnsBench(opts: BenchOptions): Promise<void> {
  const perSecond = flagInt(opts, 'turn-rate', 100);
  const seconds = flagInt(opts, 'turn-seconds', 10);
  const sessions = flagInt(opts, 'sessions', 40);
  heading(`5. session turns: POST /services/sessions/chat at ${perSecond} turns/s for ${seconds} s over ${sessions} sessions (builtin echo agent)`);
  await withApiOnly('turns', DB, opts, async ({ api, port, token }) => {
    const agent = keepAliveAgent(64);
    const chat = (body: object) => httpRequest(agent, port, 'POST', '/services/sessions/chat', token, JSON.stringify(body));

    // Idle sessions, each made by its first turn; a send takes one and gives it back once answered
    // (none idle: it starts a session).
    const idle: string[] = [];
    for (let i = 0; i < sessions; i++) idle.push(JSON.parse((await chat({ agent_type: 'echo', message: 'hello' })).body).data.session_id);
    const outcomes = new Map<string, number>();
    const turnMs: number[] = [];
    let counting = false;
    const fire = async () => {
      const sessionId = idle.shift();
      const res = await chat(sessionId ? { session_id: sessionId, message: 'how are you?' } : { agent_type: 'echo', message: 'hello' });
      const turn = res.status === 200 ? JSON.parse(res.body).data : null;
      if (turn) idle.push(turn.session_id);
      else if (sessionId) idle.push(sessionId);
      if (counting) {
        const outcome = turn ? turn.status : `HTTP ${res.status}`;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        if (turn) turnMs.push(new Date(turn.finished_at).getTime() - new Date(turn.started_at).getTime());
      }
      return res;
    };

    const r = await measuredWindow(api, { perSecond, seconds, fire, unit: 'turn', units: () => turnMs.length, onStart: () => { counting = true; } });
    const done = turnMs.length;
    const turnsPerSecond = done / (r.elapsedMs / 1000);
    const s = summarize(r.serviceTimes);
    note(`${turnsPerSecond.toFixed(1)} turns/s; outcomes ${JSON.stringify(Object.fromEntries(outcomes))}; sessions used ${idle.length}`);
    printLatency('turn latency (from scheduled send)', summarize(r.latencies));
    printLatency('turn overhead (API time, echo ~0 ms)', s);
    printLatency('started_at -> finished_at (Postgres)', summarize(turnMs));
    record({ scenario: 'turns', name: `turns/s @ ${perSecond}/s offered`, value: turnsPerSecond, unit: 'ops/s', target: { op: '>=', value: perSecond * 0.98 } });
    record({
      scenario: 'turns', name: `turn overhead p99 @ ${perSecond}/s`, value: s.p99, unit: 'ms', target: { op: '<=', value: 10 },
      note: done === r.latencies.length ? undefined : `${done} of ${r.latencies.length} were complete`,
    });
    if (opts.profile) printProbe('api', await readProbe(api), done, 'turn');
    agent.destroy();
  });
}
