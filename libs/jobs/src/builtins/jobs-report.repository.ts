import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MAX_ERROR_CODE_CHARS, MAX_ERROR_MESSAGE_CHARS } from './jobs-report.format';

export const TOP_TYPES = 20;
export const MAX_FAILURES = 10;

export interface JobsReportFilter {
  orgId: string;
  from: Date;
  to: Date;
  /** The report job itself, left out of its own report. */
  excludeJobId: string;
  jobTypeId: string | null;
}

interface SqlQuery {
  sql: string;
  params: unknown[];
}

/**
 * The report's three queries. Parameters: $1 org_id, $2 from, $3 to, $4 the report's own job id,
 * $5 job_type_id (only when narrowed). Status values are constants, written into the SQL.
 */
function buildJobsReportQueries(f: JobsReportFilter): { statuses: SqlQuery; types: SqlQuery; failures: SqlQuery } {
  const params: unknown[] = [f.orgId, f.from.toISOString(), f.to.toISOString(), f.excludeJobId];
  let where = `org_id = $1 AND created_at >= $2::timestamptz AND created_at < $3::timestamptz AND id <> $4`;
  if (f.jobTypeId !== null) {
    params.push(f.jobTypeId);
    where += ` AND job_type_id = $5`;
  }
  return {
    // Counts per status, and duration percentiles (ms) of the COMPLETED ones, in one scan.
    statuses: {
      sql: `SELECT status,
                   count(*)::int AS count,
                   count(completed_at - started_at) FILTER (WHERE status = 'COMPLETED')::int AS timed,
                   percentile_cont(ARRAY[0.5, 0.9, 0.99]::float8[]) WITHIN GROUP (
                     ORDER BY greatest(extract(epoch FROM completed_at - started_at) * 1000, 0)::float8
                   ) FILTER (WHERE status = 'COMPLETED') AS percentiles
              FROM jobs
             WHERE ${where}
             GROUP BY status`,
      params,
    },
    types: {
      sql: `SELECT job_type_id, count(*)::int AS count
              FROM jobs
             WHERE ${where}
             GROUP BY job_type_id
             ORDER BY count(*) DESC, job_type_id
             LIMIT ${TOP_TYPES}`,
      params,
    },
    // Newest first by created_at: served backwards by the (org_id, status, created_at, id) index.
    failures: {
      sql: `SELECT id AS job_id,
                   job_type_id,
                   left(error->>'code', ${MAX_ERROR_CODE_CHARS + 1}) AS code,
                   left(error->>'message', ${MAX_ERROR_MESSAGE_CHARS + 1}) AS message,
                   completed_at
              FROM jobs
             WHERE ${where} AND status = 'FAILED'
             ORDER BY created_at DESC, id DESC
             LIMIT ${MAX_FAILURES}`,
      params,
    },
  };
}

type Row = Record<string, unknown>;

/**
 * The jobs-report builtin's reads. Every query is scoped to one org (tenant isolation) and to a
 * created_at window, so it runs on the (org_id, created_at, id) index, or on
 * (org_id, status|job_type_id, created_at, id) where those narrow it further.
 */
@Injectable()
export class JobsReportRepository {
  constructor(private readonly db: DataSource) {}

  /** The three queries' rows, in one snapshot so that counts, types and failures agree with each other. */
  read(filter: JobsReportFilter, signal: AbortSignal): Promise<{ statuses: Row[]; types: Row[]; failures: Row[] }> {
    const q = buildJobsReportQueries(filter);
    return this.db.transaction('REPEATABLE READ', async (em) => {
      const statuses = await em.query(q.statuses.sql, q.statuses.params);
      signal.throwIfAborted();
      const types = await em.query(q.types.sql, q.types.params);
      signal.throwIfAborted();
      const failures = await em.query(q.failures.sql, q.failures.params);
      return { statuses, types, failures };
    });
  }
}
