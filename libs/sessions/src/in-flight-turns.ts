import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { TurnAbort, TurnAborts } from './turn-aborts';

/** How long a shutdown waits for aborted turns to store their end. */
const SHUTDOWN_WAIT_MS = 5000;

/**
 * The turns this API process is running, so that a cancel or a delete, through any process,
 * aborts their agent call. The abort's reason is the signal's reason (a TurnAbort).
 */
@Injectable()
export class InFlightTurns implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(InFlightTurns.name);
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly aborts: TurnAborts) {}

  start(turnId: string): AbortController {
    const controller = new AbortController();
    this.running.set(turnId, controller);
    return controller;
  }

  end(turnId: string): void {
    this.running.delete(turnId);
  }

  /** Here at once, and in every other process through the broadcast. */
  async abortEverywhere(turnId: string, abort: TurnAbort): Promise<void> {
    this.abort(turnId, abort);
    await this.aborts.publish(turnId, abort);
  }

  onApplicationBootstrap(): void {
    // Not awaited: with Redis down the API still starts; aborts reach it once the subscription is live.
    this.aborts.listen((turnId, abort) => this.abort(turnId, abort)).catch((err) => {
      this.logger.warn(`not subscribed to turn aborts: ${(err as Error).message}`);
    });
  }

  /** Before the database closes: running turns are ended (AGENT_UNAVAILABLE) rather than left to the reconciler. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const id of this.running.keys()) this.abort(id, { reason: 'shutdown' });
    const until = Date.now() + SHUTDOWN_WAIT_MS;
    while (this.running.size && Date.now() < until) await sleep(20);
  }

  private abort(turnId: string, abort: TurnAbort): void {
    const controller = this.running.get(turnId);
    if (controller && !controller.signal.aborted) controller.abort(abort);
  }
}
