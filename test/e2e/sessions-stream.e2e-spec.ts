import { createHttpJobType } from '../support/agent-server';
import { expectProblem } from '../support/problem';
import { SessionAgent, startSessionAgent } from '../support/session-agent';
import { bearer, eventually, newOrg, startTestApp, TestApp } from '../support/test-app';

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** The events of an SSE body (comments skipped). */
function parseEvents(text: string): SseEvent[] {
  return text.split('\n\n').filter((block) => block.trim() && !block.startsWith(':')).map((block) => {
    const lines = block.split('\n');
    const event = lines.find((l) => l.startsWith('event: '))!.slice(7);
    return { event, data: JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6)) };
  });
}

/** POST /chat with Accept: text/event-stream, read to its end with fetch (as a browser or curl -N would). */
describe('sessions: streaming a turn', () => {
  let t: TestApp;
  let agent: SessionAgent;
  let auth: Record<string, string>;
  beforeAll(async () => {
    [t, agent] = await Promise.all([startTestApp({ withWorker: false }), startSessionAgent()]);
    auth = bearer(await t.token(newOrg('sse'), { SERVICES: 'WRITE' }));
    await createHttpJobType(t, agent, auth, { id: 'tools', behaviour: 'turn', query: { tools: 3, prompt: 2, completion: 1 } });
    await createHttpJobType(t, agent, auth, { id: 'failing', behaviour: 'http-500' });
    await createHttpJobType(t, agent, auth, { id: 'holder', behaviour: 'hold' });
  });
  afterAll(async () => {
    agent?.release();
    await agent?.close();
    await t?.close();
  });

  const stream = (body: Record<string, unknown>, signal?: AbortSignal) => fetch(`${t.url}/services/sessions/chat`, {
    method: 'POST', headers: { ...auth, 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify(body), signal,
  });
  const storedTurn = async (sessionId: unknown, turnId: unknown) =>
    (await t.http().get(`/services/sessions/${sessionId}/turns`).set(auth)).body.data.find((x: { turn_id: string }) => x.turn_id === turnId);

  it('sends turn.started, each tool_call in order, then one turn.completed whose data is the stored Turn', async () => {
    const res = await stream({ agent_type: 'tools', message: 'use your tools' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = parseEvents(await res.text());
    expect(events.map((e) => e.event)).toEqual(['turn.started', 'tool_call', 'tool_call', 'tool_call', 'turn.completed']);
    const [started, ...rest] = events;
    const done = rest.pop()!;
    expect(started.data).toMatchObject({ status: 'running', response: null, finished_at: null, session_id: done.data.session_id, turn_id: done.data.turn_id });
    expect(rest.map((e) => e.data)).toEqual([1, 2, 3].map((i) => ({ tool: `tool-${i}`, status: 'ok', duration_ms: 10 * i, error_code: null })));
    expect(done.data).toMatchObject({ status: 'complete', response: 'echo: use your tools (0 messages before)', usage: { prompt: 2, completion: 1, total: 3 } });
    expect(done.data).toEqual(await storedTurn(done.data.session_id, done.data.turn_id));
  });

  it('ends with turn.failed for an agent that fails, and turn.canceled for a canceled turn', async () => {
    const failed = parseEvents(await (await stream({ agent_type: 'failing', message: 'hi' })).text());
    expect(failed.map((e) => e.event)).toEqual(['turn.started', 'turn.failed']);
    expect(failed[1].data).toMatchObject({ status: 'error', error: { code: 'AGENT_UNAVAILABLE' } });

    const held = agent.heldCount;
    const pending = stream({ agent_type: 'holder', message: 'wait' });
    await eventually(async () => agent.heldCount > held);
    const sessionId = agent.turnCalls().at(-1)!.call.session_id;
    expect((await t.http().post(`/services/sessions/${sessionId}/cancel`).set(auth).send({ reason: 'enough' })).status).toBe(200);
    const canceled = parseEvents(await (await pending).text());
    expect(canceled.map((e) => e.event)).toEqual(['turn.started', 'turn.canceled']);
    expect(canceled[1].data).toMatchObject({ status: 'canceled', cancel_reason: 'enough' });
  });

  it('refusals come before any byte of stream, as problem+json; a client that goes away does not cancel the turn', async () => {
    const unknown = await t.http().post('/services/sessions/chat').set(auth).set('Accept', 'text/event-stream').send({ agent_type: 'nope', message: 'hi' });
    expectProblem(unknown, 404, 'JOB_TYPE_NOT_FOUND');

    const held = agent.heldCount;
    const leaving = new AbortController();
    const first = await stream({ agent_type: 'holder', message: 'I will not wait' }, leaving.signal);
    await eventually(async () => agent.heldCount > held);
    const call = agent.turnCalls().at(-1)!.call;
    const busy = await t.http().post('/services/sessions/chat').set(auth).set('Accept', 'text/event-stream').send({ session_id: call.session_id, message: 'me too' });
    expectProblem(busy, 409, 'SESSION_BUSY');
    expect(busy.body.active_turn_id).toBe(call.turn_id);

    leaving.abort();
    await first.text().catch(() => undefined);
    agent.release();
    const turn = await eventually(async () => {
      const stored = await storedTurn(call.session_id, call.turn_id);
      return stored?.status === 'complete' && stored;
    });
    expect(turn.response).toBe('echo: I will not wait (0 messages before)');
  });
});
