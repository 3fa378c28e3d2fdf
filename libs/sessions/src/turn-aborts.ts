import { Injectable } from '@nestjs/common';
import { Broadcasts } from '@app/queue';

const TOPIC = 'turn-abort';

/** Why a running turn's agent call must stop. `canceled_by` is set for a cancel or a delete. */
export interface TurnAbort {
  reason: 'canceled' | 'deleted' | 'lapsed' | 'shutdown';
  canceled_by?: string | null;
}

/**
 * Tells every API process that a turn must stop, as a topic on the process's one pub/sub
 * connection (`<QUEUE_PREFIX>:turn-abort`). A hint, like the job aborts: Postgres already says
 * the turn ended, so a lost message only lets its agent call run on until it answers or times out.
 */
@Injectable()
export class TurnAborts {
  constructor(private readonly broadcasts: Broadcasts) {}

  async publish(turnId: string, abort: TurnAbort): Promise<void> {
    await this.broadcasts.publish(TOPIC, { turn_id: turnId, ...abort });
  }

  /** Resolves once Redis confirmed the subscription. */
  listen(listener: (turnId: string, abort: TurnAbort) => void): Promise<void> {
    return this.broadcasts.subscribe(TOPIC, {
      message: (m) => {
        const { turn_id, reason, canceled_by } = (m ?? {}) as Record<string, unknown>;
        if (typeof turn_id !== 'string') return;
        const known = ['canceled', 'deleted', 'lapsed', 'shutdown'].includes(reason as string) ? (reason as TurnAbort['reason']) : 'canceled';
        listener(turn_id, { reason: known, canceled_by: typeof canceled_by === 'string' ? canceled_by : null });
      },
    });
  }
}
