import { Logger } from '@nestjs/common';
import type { Response } from 'express';
import type { TurnView } from './session-views';
import { runningView, StartedTurn, TurnRunner } from './turn-runner';

const PING_MS = 15_000;
const logger = new Logger('TurnStream');

const TERMINAL: Record<string, string> = {
  complete: 'turn.completed',
  max_iterations_reached: 'turn.completed',
  error: 'turn.failed',
  canceled: 'turn.canceled',
};

/** `Accept: text/event-stream` on the chat request. */
export const wantsEventStream = (accept: string | undefined) => /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(accept ?? '');

/**
 * Runs the turn, answering it as Server-Sent Events: turn.started (the running Turn), tool_call
 * for each tool call as it finishes, then exactly one turn.completed / turn.failed / turn.canceled
 * with the stored Turn. A client that goes away does not stop the turn: it runs on and is stored.
 */
export async function streamTurn(res: Response, turn: StartedTurn, runner: TurnRunner): Promise<void> {
  res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  res.flushHeaders();
  const write = (text: string) => {
    if (!res.destroyed && !res.writableEnded) res.write(text);
  };
  // JSON.stringify escapes newlines, so each event's data is one line.
  const send = (event: string, data: unknown) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const ping = setInterval(() => write(': ping\n\n'), PING_MS);
  try {
    send('turn.started', runningView(turn));
    const ended: TurnView = await runner.run(turn, (call) => send('tool_call', call));
    send(TERMINAL[ended.status] ?? 'turn.failed', ended);
  } catch (err) {
    // The end could not be stored (database down): the lease lapses and the reconciler fails the turn.
    logger.error(`turn ${turn.turnId}: ${(err as Error).message}`);
    send('turn.failed', { ...runningView(turn), status: 'error', error: { code: 'AGENT_UNAVAILABLE', message: 'the turn could not be stored' } });
  } finally {
    clearInterval(ping);
    if (!res.writableEnded) res.end();
  }
}
