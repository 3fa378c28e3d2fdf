import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, PeriodicLoop } from '@app/common';
import { SessionsRepository } from './sessions.repository';
import { TurnAborts } from './turn-aborts';

/** Rows per statement: small, so a pass never holds many row locks for long. */
export const MAINTENANCE_BATCH = 100;

/** The worker's passes over sessions, across orgs, each index-driven and batched. */
@Injectable()
export class SessionMaintenance {
  private readonly logger = new Logger(SessionMaintenance.name);

  constructor(
    private readonly config: AppConfig,
    private readonly repo: SessionsRepository,
    private readonly aborts: TurnAborts,
  ) {}

  /**
   * Fails running turns whose lease lapsed (the API process running them died) with
   * AGENT_UNAVAILABLE, which frees their sessions; a process that is alive after all is told
   * to stop its agent call.
   */
  async failLapsedTurns(): Promise<number> {
    const ended = await this.repo.failLapsedTurns(
      { code: 'AGENT_UNAVAILABLE', message: 'the process running the turn stopped before the agent answered' },
      MAINTENANCE_BATCH, this.config.SESSION_TTL_UNIT_MS,
    );
    if (ended.length) this.logger.log(`failed ${ended.length} turn(s) whose process stopped`);
    await Promise.all(ended.map((t) => this.aborts.publish(t.id, { reason: 'lapsed' })));
    return ended.length;
  }

  /** Deletes expired sessions with their turns and messages, oldest expiry first. */
  async sweepExpired(): Promise<number> {
    return this.repo.sweepExpired(MAINTENANCE_BATCH);
  }
}

/** Every RECONCILE_INTERVAL_MS, at once again after a full batch. */
@Injectable()
export class TurnReconcilerLoop extends PeriodicLoop<number> {
  constructor(maintenance: SessionMaintenance, config: AppConfig) {
    super({
      name: 'session turn reconcile pass',
      intervalMs: () => config.RECONCILE_INTERVAL_MS,
      pass: () => maintenance.failLapsedTurns(),
      runAgainAtOnce: (n) => n >= MAINTENANCE_BATCH,
      logger: new Logger(TurnReconcilerLoop.name),
    });
  }
}

/** Every SESSION_SWEEP_INTERVAL_MS, at once again after a full batch. */
@Injectable()
export class SessionSweeperLoop extends PeriodicLoop<number> {
  constructor(maintenance: SessionMaintenance, config: AppConfig) {
    super({
      name: 'session sweep pass',
      intervalMs: () => config.SESSION_SWEEP_INTERVAL_MS,
      pass: () => maintenance.sweepExpired(),
      runAgainAtOnce: (n) => n >= MAINTENANCE_BATCH,
      logger: new Logger(SessionSweeperLoop.name),
    });
  }
}
