import { Logger } from '@nestjs/common';
import type { Response } from 'express';
import { AppConfig, SseResponse } from '@app/common';
import type { TurnView } from './session-views';
import { runningView, StartedTurn, TurnRunner } from './turn-runner';

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
 * Runs the turn, answering it as Server-Sent Events (the one SseResponse of the job streams:
 * headers, buffer cap, pings every STREAM_PING_INTERVAL_MS): turn.started (the running Turn),
 * tool_call for each tool call as it finishes, then exactly one turn.completed / turn.failed /
 * turn.canceled with the stored Turn. A client that goes away (or reads too slowly and is
 * dropped) does not stop the turn: it runs on and is stored.
 */
export async function streamTurn(res: Response, turn: StartedTurn, runner: TurnRunner, config: AppConfig): Promise<void> {
  const sse = new SseResponse(res, config.STREAM_MAX_BUFFER_BYTES);
  sse.open();
  const ping = setInterval(() => sse.ping(), config.STREAM_PING_INTERVAL_MS);
  try {
    sse.send('turn.started', runningView(turn));
    const ended: TurnView = await runner.run(turn, (call) => sse.send('tool_call', call));
    sse.send(TERMINAL[ended.status] ?? 'turn.failed', ended);
  } catch (err) {
    // The end could not be stored (database down): the lease lapses and the reconciler fails the turn.
    logger.error(`turn ${turn.turnId}: ${(err as Error).message}`);
    sse.send('turn.failed', { ...runningView(turn), status: 'error', error: { code: 'AGENT_UNAVAILABLE', message: 'the turn could not be stored' } });
  } finally {
    clearInterval(ping);
    sse.end();
  }
}
