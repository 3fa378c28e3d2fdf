import type { TurnCall } from '../../libs/job-types/src/agents/agent-call';
import { AgentRequest, AgentServer, AgentServerOptions, Answer } from './agent-server';

/**
 * A local HTTP agent that also speaks the session-turn protocol (spec "Sessions"). Requests are
 * verified and recorded as by AgentServer (401 when the signature does not verify), whose
 * protocol-agnostic behaviours (`http-500`, `bad-json`, `sleep`: never answers, records the
 * abort) work for turns too. Turn behaviours, by the last path segment:
 *
 *   /turn?tools=N&prompt=P&completion=C   complete: response `echo: <message> (<n> messages before)`,
 *                                          N tool calls (tool-1..N), usage P/C, iterations 1
 *   /turn-max                              max_iterations_reached: a partial response, iterations = max_iterations
 *   /turn-error                            200 {status: "error", error: {code: "AGENT_SAID_NO"}}
 *   /turn-off-protocol                     200 {status: "done"} (not a turn answer)
 *   /turn-late?after_ms=N                  answers like /turn after N ms
 *   /hold                                  answers like /turn once the test calls release() (or never)
 *
 * Job types for it: createHttpJobType (agent-server.ts).
 */
export class SessionAgent extends AgentServer {
  private readonly held: Array<() => void> = [];

  /** The turn calls received, as parsed bodies, in order of arrival. */
  turnCalls(pathPrefix?: string): Array<{ rec: AgentRequest; call: TurnCall }> {
    return this.requests
      .filter((r) => (r.body as { kind?: string } | undefined)?.kind === 'session_turn' && (!pathPrefix || r.path.startsWith(pathPrefix)))
      .map((rec) => ({ rec, call: rec.body as unknown as TurnCall }));
  }

  /** Answers every held request (those to come are held as before). */
  release(): void {
    this.held.splice(0).forEach((answer) => answer());
  }

  get heldCount(): number {
    return this.held.length;
  }

  protected override otherBehaviour(rec: AgentRequest, answer: Answer): boolean {
    const call = rec.body as unknown as TurnCall;
    const q = rec.query;
    const complete = () => {
      const tools = Number(q.get('tools') ?? 0);
      answer(200, {
        status: 'complete',
        response: `echo: ${call.message} (${call.messages.length} messages before)`,
        tool_calls: Array.from({ length: tools }, (_, i) => ({ tool: `tool-${i + 1}`, status: 'ok', duration_ms: 10 * (i + 1), error_code: null })),
        usage: { prompt: Number(q.get('prompt') ?? 0), completion: Number(q.get('completion') ?? 0) },
        iterations: 1,
      });
    };
    switch (rec.behaviour) {
      case 'turn':
        complete();
        return true;
      case 'turn-max':
        answer(200, { status: 'max_iterations_reached', response: 'partial answer', iterations: call.max_iterations });
        return true;
      case 'turn-error':
        answer(200, { status: 'error', response: null, error: { code: 'AGENT_SAID_NO', message: 'the agent declined' } });
        return true;
      case 'turn-off-protocol':
        answer(200, { status: 'done', text: 'not a turn answer' });
        return true;
      case 'turn-late':
        this.later(Number(q.get('after_ms') ?? 1000), complete);
        return true;
      case 'hold':
        this.held.push(complete);
        return true;
      default:
        return false;
    }
  }
}

export async function startSessionAgent(options: AgentServerOptions = {}): Promise<SessionAgent> {
  return new SessionAgent(options).start();
}
