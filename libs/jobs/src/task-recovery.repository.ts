import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { orderedWalk } from '@app/database';
import type { HandedBackTask } from './task-transitions.repository';

export interface DueTask extends HandedBackTask {
  run_at: Date;
  /** run_at as Postgres text: microseconds survive, so the keyset never skips a row. */
  run_at_key: string;
}

/**
 * PENDING tasks due within $1 ms, in (run_at, id) order after the keyset ($3, $4), $2 at most:
 * along tasks_pending_due_idx (ORDER BY its key), so the walk never reads finished tasks.
 * Run as an orderedWalk (see there why).
 */
export const DUE_TASKS_SQL = `
  SELECT id, job_id, org_id, claims, run_at, run_at::text AS run_at_key FROM tasks
  WHERE status = 'PENDING' AND run_at <= now() + $1::float8 * interval '1 millisecond'
    AND ($3::timestamptz IS NULL OR (run_at, id) > ($3::timestamptz, $4::text))
  ORDER BY run_at, id LIMIT $2::int`;

/**
 * Back to PENDING, due now: the running tasks of dead workers $1 (along tasks_running_worker_idx, as is the lease branch: worker_id IS NULL),
 * and those claimed before tasks named their worker whose lease ran out (a rolling upgrade).
 * The job stays RUNNING; the next claim counts one more in `claims`, which fences off the dead
 * worker should it come back.
 */
export const HAND_BACK_SQL = `
  WITH lost AS (
    SELECT id FROM tasks
    WHERE status = 'RUNNING' AND NOT awaiting_callback
      AND (worker_id = ANY($1::text[]) OR (worker_id IS NULL AND lease_expires_at < now()))
    LIMIT $2::int FOR UPDATE SKIP LOCKED
  ), handed AS (
    UPDATE tasks t SET status = 'PENDING', run_at = now(), started_at = NULL, lease_expires_at = NULL, worker_id = NULL
    FROM lost WHERE t.id = lost.id
    RETURNING t.id, t.job_id, t.org_id, t.claims
  ) SELECT * FROM handed`;

/**
 * The reconciler's scans of tasks, over all orgs (it hands each task, with its org, back to the
 * queue): what Redis may have lost, what dead workers (WorkersRepository) left.
 */
@Injectable()
export class TaskRecoveryRepository {
  constructor(private readonly db: DataSource) {}

  dueTasks(lookaheadMs: number, limit: number, after: { runAt: string; id: string } | null): Promise<DueTask[]> {
    return orderedWalk(this.db, DUE_TASKS_SQL, [lookaheadMs, limit, after?.runAt ?? null, after?.id ?? null]);
  }

  handBack(deadWorkerIds: string[], limit: number): Promise<HandedBackTask[]> {
    return this.db.query(HAND_BACK_SQL, [deadWorkerIds, limit]);
  }
}
