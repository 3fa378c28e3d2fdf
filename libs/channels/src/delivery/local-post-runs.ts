import type { Logger } from '@nestjs/common';
import { logFieldsOf, withLogContext } from '@app/common/logging';
import { ChannelPostPayload, InFlightWork, LocalPostRunner } from '@app/queue';

/**
 * First runs of posts in the worker that finished their task, without a trip through Bull:
 * a Bull job costs an add, a fetch and a finish (three Lua scripts, ~half of a job's Redis
 * commands) for work this process can start at once. Postgres already holds the post
 * (PENDING, written with the task's finish), so a run lost with the process is found by the
 * channel-post reconciler like any post whose Bull job is gone. Past `limit` posts in flight,
 * or once shutting down, the post goes to Bull as before (tryRun answers false).
 */
export class LocalPostRuns implements LocalPostRunner {
  private readonly inFlight = new InFlightWork();
  private closed = false;

  constructor(
    private readonly limit: number,
    private readonly run: (post: ChannelPostPayload, wakeupId: string) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  tryRun(post: ChannelPostPayload, wakeupId: string): boolean {
    if (this.closed || this.inFlight.count >= this.limit) return false;
    void this.inFlight.run(() => withLogContext(logFieldsOf(post), () => this.run(post, wakeupId)))
      .catch((err) => this.logger.warn(`channel post ${post.task_id} failed: ${(err as Error).message} (the reconciler retries it)`));
    return true;
  }

  /** Takes no more runs and waits up to graceMs for those in flight. */
  async drain(graceMs: number): Promise<void> {
    this.closed = true;
    await this.inFlight.settled(graceMs);
  }
}
