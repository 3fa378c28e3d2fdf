import { Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';

/** A worker silent (or stopped) this long has no claim that can still land (CLAIM_SQL), so its row goes. */
export const REAP_WORKERS_AFTER_MS = 60_000;

/** Registers the worker, or brings it back after it was reaped (it was silent long enough to be declared dead). */
export const HEARTBEAT_SQL = `
  INSERT INTO workers (id, host, pid) VALUES ($1, $2, $3)
  ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), stopped_at = NULL`;

export const STOP_SQL = `UPDATE workers SET stopped_at = now() WHERE id = $1`;

/** Workers that stopped or have been silent for more than $1 ms; `reapable` past REAP_WORKERS_AFTER_MS ($2). */
export const DEAD_WORKERS_SQL = `
  SELECT id, coalesce(stopped_at, heartbeat_at) < now() - $2::float8 * interval '1 millisecond' AS reapable
  FROM workers WHERE stopped_at IS NOT NULL OR heartbeat_at < now() - $1::float8 * interval '1 millisecond'`;

export const REAP_WORKERS_SQL = `DELETE FROM workers WHERE id = ANY($1::text[])`;

/**
 * `workers`: worker processes, which belong to no org (each works for all of them). A worker's
 * own beats go through the connection its heartbeat holds (`beats`), so a busy pool never makes
 * a live worker look dead; the reconciler's reads use the data source.
 */
@Injectable()
export class WorkersRepository {
  constructor(private readonly db: DataSource) {}

  async beat(beats: Pool, id: string, host: string, pid: number): Promise<void> {
    await beats.query(HEARTBEAT_SQL, [id, host, pid]);
  }

  async markStopped(beats: Pool, id: string): Promise<void> {
    await beats.query(STOP_SQL, [id]);
  }

  dead(deadAfterMs: number): Promise<Array<{ id: string; reapable: boolean }>> {
    return this.db.query(DEAD_WORKERS_SQL, [deadAfterMs, REAP_WORKERS_AFTER_MS]);
  }

  async reap(workerIds: string[]): Promise<void> {
    if (workerIds.length) await this.db.query(REAP_WORKERS_SQL, [workerIds]);
  }
}
