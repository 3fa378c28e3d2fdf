import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { JobAbortBus, RedisEpoch, TaskQueue } from '@app/queue';
import { JobTransitionsRepository } from '../job-transitions.repository';
import { TaskRecoveryRepository } from '../task-recovery.repository';
import { WorkersRepository } from './workers.repository';

const LOOKAHEAD_MS = 5000;
const BATCH = 500;

export interface ReconcilePass {
  requeued: number;
  recovered: number;
  timedOut: number;
  /** A walk after a Redis loss is not finished: the next pass should come at once. */
  more: boolean;
}

/**
 * Postgres is the truth, Redis may lose data, workers die. Each pass, in every worker:
 * - hands the running tasks of dead workers (silent for WORKER_DEAD_AFTER_MS) back to the
 *   queue at once, under a new Bull job id (TaskQueue.jobId);
 * - puts back on Bull every PENDING task due within the lookahead that Bull does not hold,
 *   so nothing Redis lost is lost for good; after Redis lost its data (RedisEpoch), the walk
 *   over every due task runs pass after pass without waiting for the interval;
 * - fails RUNNING jobs past max_time_to_complete with TIMEOUT.
 */
@Injectable()
export class ReconcilerService {
  private requeueCursor: { runAt: string; id: string } | null = null;
  private sweeping = false;
  private readonly logger = new Logger(ReconcilerService.name);

  constructor(
    private readonly recovery: TaskRecoveryRepository,
    private readonly workers: WorkersRepository,
    private readonly transitions: JobTransitionsRepository,
    private readonly queue: TaskQueue,
    private readonly epoch: RedisEpoch,
    private readonly aborts: JobAbortBus,
    private readonly config: AppConfig,
  ) {}

  async pass(): Promise<ReconcilePass> {
    if (await this.epoch.changed()) {
      this.requeueCursor = null;
      this.sweeping = true;
    }
    const recovered = await this.handBackFromDeadWorkers();
    const requeued = await this.requeueDueTasks();
    if (!this.requeueCursor) this.sweeping = false;
    const timedOut = await this.transitions.timeoutJobs(null);
    await Promise.all(timedOut.map((id) => this.aborts.publish(id, 'deadline')));
    if (recovered || timedOut.length) this.logger.log(`recovered ${recovered} task(s) of dead workers, timed out ${timedOut.length} job(s)`);
    return { requeued, recovered, timedOut: timedOut.length, more: this.sweeping };
  }

  /**
   * Walks the due PENDING tasks in (run_at, id) order, one batch per pass, resuming where
   * the last pass stopped: with a backlog larger than a batch, a task Redis lost deep in it
   * is still found within a few passes instead of waiting for the backlog to drain.
   */
  private async requeueDueTasks(): Promise<number> {
    const rows = await this.recovery.dueTasks(LOOKAHEAD_MS, BATCH, this.requeueCursor);
    const last = rows[rows.length - 1];
    this.requeueCursor = rows.length === BATCH ? { runAt: last.run_at_key, id: last.id } : null;
    return this.queue.enqueueMissing(rows.map((r) => ({ task_id: r.id, job_id: r.job_id, org_id: r.org_id, run_at: r.run_at, claims: r.claims })));
  }

  /** A dead worker's tasks run again within about WORKER_DEAD_AFTER_MS + a pass of its death. */
  private async handBackFromDeadWorkers(): Promise<number> {
    const dead = await this.workers.dead(this.config.WORKER_DEAD_AFTER_MS);
    const handed = await this.recovery.handBack(dead.map((w) => w.id), BATCH);
    const now = new Date();
    await this.queue.enqueueMany(handed.map((t) => ({ task_id: t.id, job_id: t.job_id, org_id: t.org_id, run_at: now, claims: t.claims })));
    if (handed.length < BATCH) await this.workers.reap(dead.filter((w) => w.reapable).map((w) => w.id));
    return handed.length;
  }
}
