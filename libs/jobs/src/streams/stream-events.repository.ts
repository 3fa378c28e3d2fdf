import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { sseMessage } from '@app/common';
import { preparedQuery, StatementBatcher } from '@app/database';
import type { JobEventRow } from '../job-rows';
import { JobStatus, TERMINAL_STATUSES } from '../job-status';
import { eventView } from '../job-view';

/** One event as the live streams hand it around: what filters need, and its SSE message built once. */
export interface FeedEvent {
  id: number;
  orgId: string;
  jobId: string;
  kind: JobEventRow['kind'];
  to: JobStatus;
  jobTypeId: string | null;
  channelCode: string | null;
  /** `id:`, `event:` and `data:` lines, as sent to every stream it goes to. */
  frame: string;
}

type StreamEventRow = JobEventRow & { org_id: string; job_type_id: string | null; channel_code: string | null };

export function feedEvent(row: StreamEventRow): FeedEvent {
  const view = eventView(row);
  return {
    id: view.id, orgId: row.org_id, jobId: row.job_id, kind: row.kind, to: row.to_status,
    jobTypeId: row.job_type_id, channelCode: row.channel_code,
    frame: sseMessage(view.kind, view, view.id),
  };
}

const COLUMNS = 'e.id, e.job_id, e.org_id, e.kind, e.from_status, e.to_status, e.at, e.actor, e.reason, e.task_id, j.job_type_id, j.channel_code';
// LIMIT 1 keeps the planner from flattening it into a join: one primary-key probe per event, whatever the statistics say.
const JOB_ATTRIBUTES = 'LEFT JOIN LATERAL (SELECT job_type_id, channel_code FROM jobs WHERE id = e.job_id LIMIT 1) j ON true';

/**
 * Where a feed starts: the newest id, and which of the `$1` ids below it are missing (in flight
 * or rolled back). The recent ids are the newest $1 rows (a backward walk of the primary key that
 * stops at the LIMIT) cut to the window: `id > top - $1` alone, top being unknown when planned,
 * is estimated as a third of the table, and without statistics planned as a sequential scan.
 */
const FEED_START_SQL = `
  SELECT pg_current_snapshot()::text AS snap, top.id AS top,
         ARRAY(SELECT r.id FROM (SELECT id FROM job_events ORDER BY id DESC LIMIT $1) r WHERE r.id > top.id - $1 ORDER BY r.id) AS recent
  FROM (SELECT coalesce(max(id), 0) AS id FROM job_events) top`;

/**
 * One feed read, one snapshot: the events after the high-water (primary key order), the
 * holes that filled, and which holes' snapshots are settled: every transaction in progress
 * then has ended before this statement began, so a hole of theirs still missing here never
 * fills. (Writers of events change another row first, so their xid exists before the event's
 * id is drawn.) Always one row, events or not.
 */
const FEED_READ_SQL = `
  SELECT pg_current_snapshot()::text AS snap,
         ARRAY(SELECT s FROM unnest($4::text[]) s
               WHERE NOT EXISTS (SELECT 1 FROM pg_snapshot_xip(s::pg_snapshot) x
                                 WHERE NOT pg_visible_in_snapshot(x, pg_current_snapshot()))) AS settled,
         ev.*
  FROM (SELECT 1) one
  LEFT JOIN LATERAL (
    SELECT ${COLUMNS} FROM (
      (SELECT * FROM job_events WHERE id > $1 ORDER BY id LIMIT $2)
      UNION ALL
      (SELECT * FROM job_events WHERE id = ANY($3::bigint[]))
    ) e ${JOB_ATTRIBUTES}
  ) ev ON true`;

// The org through the job's primary key: job_events is read along (job_id, id), never along (org_id, id).
const JOB_REPLAY_SQL = `
  SELECT ${COLUMNS} FROM (
    SELECT * FROM job_events WHERE job_id = (SELECT id FROM jobs WHERE id = $1 AND org_id = $6)
      AND id > $2 AND id <= $3 AND id <> ALL($4::bigint[]) ORDER BY id LIMIT $5
  ) e ${JOB_ATTRIBUTES} ORDER BY e.id`;

const ORG_REPLAY_SQL = `
  SELECT ${COLUMNS} FROM (
    SELECT * FROM job_events WHERE org_id = $1 AND id > $2 AND id <= $3 AND id <> ALL($4::bigint[]) ORDER BY id LIMIT $5
  ) e ${JOB_ATTRIBUTES} ORDER BY e.id`;

export interface FeedRead {
  snapshot: string;
  settled: Set<string>;
  /** New events and filled holes, ascending. */
  events: FeedEvent[];
}

export interface JobFinalState {
  terminal: boolean;
  /** A delivery outcome is still to come (a post of its results is open). */
  deliveryPending: boolean;
  lastEventId: number;
}

/**
 * The reads of the live streams on job_events, each driven by an index (primary key, (job_id, id), (org_id, id)).
 * The feed's reads are for all orgs (one feed per process, handed out to each org's streams); replays and a
 * job's final state are the org's.
 */
@Injectable()
export class StreamEventsRepository {
  private readonly finalStates = new StatementBatcher<{ orgId: string; jobId: string }, JobFinalState | null>(
    (jobs) => this.finalStatesOf(jobs), { maxBatch: 1000 },
  );

  constructor(private readonly db: DataSource) {}

  /** All orgs. */
  async feedStart(window: number): Promise<{ snapshot: string; top: number; recent: number[] }> {
    const [row] = await preparedQuery<{ snap: string; top: string; recent: string[] }>(this.db, FEED_START_SQL, [window]);
    return { snapshot: row.snap, top: Number(row.top), recent: row.recent.map(Number) };
  }

  /** All orgs. */
  async feedRead(after: number, limit: number, holes: number[], snapshots: string[]): Promise<FeedRead> {
    const rows = await preparedQuery<StreamEventRow & { snap: string; settled: string[] }>(this.db, FEED_READ_SQL, [after, limit, holes, snapshots]);
    const events = rows.filter((r) => r.id !== null).map(feedEvent).sort((a, b) => a.id - b.id);
    return { snapshot: rows[0].snap, settled: new Set(rows[0].settled), events };
  }

  /** Events of the org's job with id in (after, upTo], except `skip`, ascending. */
  async jobReplay(orgId: string, jobId: string, after: number, upTo: number, skip: number[], limit: number): Promise<FeedEvent[]> {
    return (await preparedQuery<StreamEventRow>(this.db, JOB_REPLAY_SQL, [jobId, after, upTo, skip, limit, orgId])).map(feedEvent);
  }

  /** Events of one org with id in (after, upTo], except `skip`, ascending. */
  async orgReplay(orgId: string, after: number, upTo: number, skip: number[], limit: number): Promise<FeedEvent[]> {
    return (await preparedQuery<StreamEventRow>(this.db, ORG_REPLAY_SQL, [orgId, after, upTo, skip, limit])).map(feedEvent);
  }

  /**
   * Whether the job's stream may end: terminal and no result post open, read with its last
   * event id in one snapshot (the statement that closes the last post writes its event too).
   * Null when the org's job is gone. The checks of one turn (every stream of a job that just
   * finished, of any org) share one statement.
   */
  jobFinalState(orgId: string, jobId: string): Promise<JobFinalState | null> {
    return this.finalStates.run({ orgId, jobId });
  }

  private async finalStatesOf(jobs: ReadonlyArray<{ orgId: string; jobId: string }>): Promise<Array<JobFinalState | null>> {
    const rows = await preparedQuery<{ id: string; org_id: string; status: JobStatus; delivery_status: string | null; last_id: string | null }>(this.db,
      `SELECT j.id, j.org_id, j.status, j.delivery->>'status' AS delivery_status, (SELECT max(e.id) FROM job_events e WHERE e.job_id = j.id) AS last_id
       FROM jobs j WHERE j.id = ANY($1) AND j.org_id = ANY($2)`,
      [[...new Set(jobs.map((j) => j.jobId))], [...new Set(jobs.map((j) => j.orgId))]]);
    // By org and id: with several orgs in the batch, a job is only the answer to its own org's check.
    const key = (orgId: string, jobId: string) => `${orgId}\u0000${jobId}`;
    const byKey = new Map(rows.map((r) => [key(r.org_id, r.id), {
      terminal: TERMINAL_STATUSES.includes(r.status),
      deliveryPending: r.delivery_status === 'PENDING',
      lastEventId: Number(r.last_id ?? 0),
    }]));
    return jobs.map((j) => byKey.get(key(j.orgId, j.jobId)) ?? null);
  }
}
