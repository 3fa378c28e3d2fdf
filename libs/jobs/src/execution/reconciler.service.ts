import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { JobAbortBus, TaskQueue } from '@app/queue';
import { JobTransitionsRepository } from '../job-transitions.repository';

const LOOKAHEAD_MS = 5000;
const BATCH = 500;

/**
 * Postgres is the truth, Redis may lose data. Each pass, in every worker:
 * - puts back on Bull every PENDING task due within the lookahead that Bull does not hold
 *   (the Bull job id is the task id), so nothing Redis lost is lost for good;
 * - gives back tasks whose worker died (RUNNING with an expired lease);
 * - fails RUNNING jobs past max_time_to_complete with TIMEOUT.
 */
@Injectable()
export class ReconcilerService {
  private requeueCursor: { runAt: string; id: string } | null = null;
  private readonly logger = new Logger(ReconcilerService.name);

  constructor(
    private readonly db: DataSource,
    private readonly transitions: JobTransitionsRepository,
    private readonly queue: TaskQueue,
    private readonly aborts: JobAbortBus,
  ) {}

  async pass(): Promise<{ requeued: number; recovered: number; timedOut: number }> {
    const recovered = await this.recoverExpiredLeases();
    const requeued = await this.requeueDueTasks();
    const timedOut = await this.transitions.timeoutJobs(null);
    await Promise.all(timedOut.map((id) => this.aborts.publish(id, 'deadline')));
    if (recovered || timedOut.length) this.logger.log(`recovered ${recovered} task(s), timed out ${timedOut.length} job(s)`);
    return { requeued, recovered, timedOut: timedOut.length };
  }

  /**
   * Walks the due PENDING tasks in (run_at, id) order, one batch per pass, resuming where
   * the last pass stopped: with a backlog larger than a batch, a task Redis lost deep in it
   * is still found within a few passes instead of waiting for the backlog to drain.
   */
  private async requeueDueTasks(): Promise<number> {
    const after = this.requeueCursor;
    // run_at goes out as Postgres text: microseconds survive, so the keyset never skips a row.
    const rows: Array<{ id: string; job_id: string; org_id: string; run_at: Date; run_at_key: string }> = await this.db.query(
      `SELECT id, job_id, org_id, run_at, run_at::text AS run_at_key FROM tasks
       WHERE status = 'PENDING' AND run_at <= now() + $1 * interval '1 millisecond'
         AND ($3::timestamptz IS NULL OR (run_at, id) > ($3::timestamptz, $4::text))
       ORDER BY run_at, id LIMIT $2`,
      [LOOKAHEAD_MS, BATCH, after?.runAt ?? null, after?.id ?? null],
    );
    const last = rows[rows.length - 1];
    this.requeueCursor = rows.length === BATCH ? { runAt: last.run_at_key, id: last.id } : null;
    return this.queue.enqueueMissing(rows.map((r) => ({ task_id: r.id, job_id: r.job_id, org_id: r.org_id, run_at: r.run_at })));
  }

  private async recoverExpiredLeases(): Promise<number> {
    // TypeORM answers a bare UPDATE with [rows, affectedCount], not the rows.
    const [, affected]: [unknown[], number] = await this.db.query(
      `UPDATE tasks SET status = 'PENDING', run_at = now(), started_at = NULL, lease_expires_at = NULL
       WHERE id IN (
         SELECT id FROM tasks WHERE status = 'RUNNING' AND NOT awaiting_callback AND lease_expires_at < now()
         ORDER BY lease_expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [BATCH],
    );
    return affected;
  }
}
