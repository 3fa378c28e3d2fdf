import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, DomainError } from '@app/common';
import { addToLogContext } from '@app/common/logging';
import { MetricsService } from '@app/common/metrics';
import {
  AgentExecutor, JobTypeEntity, JobTypesService, mergeConfig, NO_USAGE, SessionMessage, ToolCallRecord, TurnCall, turnError, TurnOutcome,
} from '@app/job-types';
import { InFlightTurns } from './in-flight-turns';
import { turnView, TurnView } from './session-views';
import { SessionsRepository } from './sessions.repository';
import type { TurnAbort } from './turn-aborts';

/** A turn whose row is written (running) and whose session is held: what it takes to run it. */
export interface StartedTurn {
  orgId: string;
  sessionId: string;
  turnId: string;
  agentType: string;
  message: string;
  context: Record<string, unknown> | null;
  /** From the request; the job type's default_config.max_iterations otherwise. */
  maxIterations: number | undefined;
  startedAt: Date;
  expiresAt: Date;
  history: SessionMessage[];
  /** Registered in InFlightTurns before the turn's row was written, so no abort can slip in between. */
  controller: AbortController;
}

/** The Turn while it runs (turn.started). */
export const runningView = (t: StartedTurn): TurnView => ({
  session_id: t.sessionId, turn_id: t.turnId, agent_type: t.agentType, status: 'running', response: null, tool_calls: [],
  iterations: 0, usage: NO_USAGE, error: null, started_at: t.startedAt.toISOString(), finished_at: null,
  expires_at: t.expiresAt.toISOString(), cancel_reason: null, canceled_by: null,
});

/**
 * Runs a started turn in this process: asks the agent through the executor, renews the turn's
 * lease meanwhile (a lapsed lease tells the worker's reconciler this process is gone), and
 * stores the outcome with one conditional statement. A turn that a cancel, a delete or the
 * reconciler ended first keeps what they stored; this answers that.
 */
@Injectable()
export class TurnRunner {
  private readonly logger = new Logger(TurnRunner.name);

  constructor(
    private readonly config: AppConfig,
    private readonly repo: SessionsRepository,
    private readonly jobTypes: JobTypesService,
    private readonly agents: AgentExecutor,
    private readonly inFlight: InFlightTurns,
    private readonly metrics: MetricsService,
  ) {}

  /** Runs the turn; the rest of its request logs with its session_id, and its end is counted. */
  async run(turn: StartedTurn, onToolCall?: (call: ToolCallRecord) => void): Promise<TurnView> {
    addToLogContext({ session_id: turn.sessionId });
    const stop = this.metrics.sessionTurnTimer();
    const view = await this.execute(turn, onToolCall);
    stop(view.status);
    return view;
  }

  private async execute(turn: StartedTurn, onToolCall?: (call: ToolCallRecord) => void): Promise<TurnView> {
    const { controller } = turn;
    const leaseMs = this.config.SESSION_TURN_LEASE_MS;
    const lease = setInterval(() => void this.repo.renewLease(turn.orgId, turn.turnId, leaseMs).catch(() => undefined), Math.floor(leaseMs / 3));
    try {
      const { signal } = controller;
      let outcome = await this.answer(turn, signal, (call) => {
        if (!signal.aborted) onToolCall?.(call);
      });
      if (signal.aborted) {
        const abort = signal.reason as TurnAbort;
        if (abort.reason !== 'shutdown') return this.stored(turn, abort);
        outcome = turnError('AGENT_UNAVAILABLE', 'the API process running the turn shut down');
      }
      const ended = await this.repo.finish(turn.orgId, turn.turnId, outcome, this.config.SESSION_TTL_UNIT_MS);
      return ended ? turnView(ended, ended.expires_at) : this.stored(turn);
    } finally {
      clearInterval(lease);
      this.inFlight.end(turn.turnId);
    }
  }

  private async answer(turn: StartedTurn, signal: AbortSignal, onToolCall: (call: ToolCallRecord) => void): Promise<TurnOutcome> {
    try {
      const jobType = await this.jobType(turn.orgId, turn.agentType);
      if (!jobType) return turnError('JOB_TYPE_NOT_FOUND', `Job type '${turn.agentType}' no longer exists`);
      const config = mergeConfig(jobType.default_config);
      const call: TurnCall = {
        kind: 'session_turn', session_id: turn.sessionId, turn_id: turn.turnId, org_id: turn.orgId, agent_type: turn.agentType,
        message: turn.message, context: turn.context ?? {}, max_iterations: turn.maxIterations ?? config.max_iterations,
        config: config as unknown as Record<string, unknown>, messages: turn.history,
      };
      return await this.withinTimeLimit(config.max_time_to_complete, signal, (limited, deadline) =>
        this.agents.run(jobType, call, { signal: limited, onToolCall, deadline }));
    } catch (err) {
      // Stored as the turn's end rather than left running: the session must not stay busy.
      this.logger.error(`turn ${turn.turnId} could not run: ${(err as Error).message}`);
      return turnError('AGENT_UNAVAILABLE', 'the turn could not be run (internal error)');
    }
  }

  /**
   * A turn runs at most its job type's max_time_to_complete, as a job does: a model answering
   * 429 with a long Retry-After, or a tool loop that goes on, must not hold the session (and the
   * chat request) longer. Past it the call is aborted and the turn ends AGENT_TIMEOUT.
   */
  private async withinTimeLimit(seconds: number, signal: AbortSignal,
    run: (limited: AbortSignal, deadline: Date) => Promise<TurnOutcome>): Promise<TurnOutcome> {
    const deadline = new Date(Date.now() + seconds * 1000);
    const limit = AbortSignal.timeout(seconds * 1000);
    const outcome = await run(AbortSignal.any([signal, limit]), deadline);
    if (limit.aborted && !signal.aborted) return turnError('AGENT_TIMEOUT', `the turn did not finish within max_time_to_complete (${seconds} s)`);
    return outcome;
  }

  /** Only a deleted job type is null; a database error propagates (to answer() above). */
  private jobType(orgId: string, id: string): Promise<JobTypeEntity | null> {
    return this.jobTypes.getRecent(orgId, id).catch((err) => {
      if (err instanceof DomainError && err.code === 'JOB_TYPE_NOT_FOUND') return null;
      throw err;
    });
  }

  /** The turn as stored by whoever ended it; a deleted session took its turns along: canceled, as far as this request goes. */
  private async stored(turn: StartedTurn, abort?: TurnAbort): Promise<TurnView> {
    const row = await this.repo.turn(turn.orgId, turn.turnId);
    if (row) return turnView(row, row.expires_at);
    return {
      ...runningView(turn), status: 'canceled', finished_at: new Date().toISOString(), expires_at: null,
      cancel_reason: 'the session was deleted', canceled_by: abort?.canceled_by ?? null,
    };
  }
}
