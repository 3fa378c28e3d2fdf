/**
 * Params and SQL of the jobs-report builtin. Every query is scoped to one org (tenant isolation)
 * and to a created_at window, so it runs on the (org_id, created_at, id) index, or on
 * (org_id, status|job_type_id, created_at, id) where those narrow it further.
 */
import { JOB_TYPE_ID_PATTERN } from '@app/job-types';
import { JOB_STATUSES, JobStatus } from '../job-status';
import {
  JobsReportData,
  JobsReportFailure,
  MAX_ERROR_CODE_CHARS,
  MAX_ERROR_MESSAGE_CHARS,
  truncate,
} from './jobs-report.format';

export const DEFAULT_WINDOW_HOURS = 24;
export const MAX_WINDOW_HOURS = 720;
export const TOP_TYPES = 20;
export const MAX_FAILURES = 10;

export interface JobsReportParams {
  window_hours: number;
  job_type_id: string | null;
}

/** Checks the job's params; `error` is a message for an INVALID_PARAMS failure. */
export function parseJobsReportParams(params: unknown): { ok: true; value: JobsReportParams } | { ok: false; error: string } {
  if (params === null || params === undefined) params = {};
  if (typeof params !== 'object' || Array.isArray(params)) return { ok: false, error: 'params must be an object' };
  const p = params as Record<string, unknown>;
  const hours = p.window_hours ?? DEFAULT_WINDOW_HOURS;
  if (typeof hours !== 'number' || !Number.isInteger(hours) || hours < 1 || hours > MAX_WINDOW_HOURS) {
    return { ok: false, error: `window_hours must be an integer from 1 to ${MAX_WINDOW_HOURS}` };
  }
  const jobTypeId = p.job_type_id ?? null;
  if (jobTypeId !== null && (typeof jobTypeId !== 'string' || !JOB_TYPE_ID_PATTERN.test(jobTypeId))) {
    return { ok: false, error: 'job_type_id must be a job type id (1-100 letters, digits, ".", "_" or "-")' };
  }
  return { ok: true, value: { window_hours: hours, job_type_id: jobTypeId } };
}

export interface JobsReportFilter {
  orgId: string;
  from: Date;
  to: Date;
  /** The report job itself, left out of its own report. */
  excludeJobId: string;
  jobTypeId: string | null;
}

export interface SqlQuery {
  sql: string;
  params: unknown[];
}

/**
 * The report's three queries. Parameters: $1 org_id, $2 from, $3 to, $4 the report's own job id,
 * $5 job_type_id (only when narrowed). Status values are constants, written into the SQL.
 */
export function buildJobsReportQueries(f: JobsReportFilter): { statuses: SqlQuery; types: SqlQuery; failures: SqlQuery } {
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

const toCount = (v: unknown): number => {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
};
const toMs = (v: unknown): number | null => {
  if (v === null || v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) ? Math.round(n) : null;
};
const toIso = (v: unknown): string | null => {
  if (v === null || v === undefined) return null;
  const d = v instanceof Date ? v : new Date(String(v));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
};
const toText = (v: unknown, max: number): string | null => (v === null || v === undefined ? null : truncate(String(v), max));

/** Builds the report data (all but `text`) from the three queries' rows. */
export function assembleJobsReport(
  input: { orgId: string; from: Date; to: Date; hours: number; jobTypeId: string | null },
  rows: { statuses: Row[]; types: Row[]; failures: Row[] },
): JobsReportData {
  const by_status = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
  let total = 0;
  let durations_ms: JobsReportData['durations_ms'] = { p50: null, p90: null, p99: null, count: 0 };
  for (const r of rows.statuses) {
    const count = toCount(r.count);
    total += count; // a status outside the six still counts in the total
    if ((JOB_STATUSES as readonly unknown[]).includes(r.status)) by_status[r.status as JobStatus] += count;
    if (r.status === 'COMPLETED') {
      const timed = toCount(r.timed);
      const p = Array.isArray(r.percentiles) ? r.percentiles : [];
      durations_ms = timed > 0 ? { p50: toMs(p[0]), p90: toMs(p[1]), p99: toMs(p[2]), count: timed } : durations_ms;
    }
  }
  const by_type = rows.types.map((r) => ({ job_type_id: String(r.job_type_id), count: toCount(r.count) }));
  const failures: JobsReportFailure[] = rows.failures.map((r) => ({
    job_id: String(r.job_id),
    job_type_id: String(r.job_type_id),
    error: { code: toText(r.code, MAX_ERROR_CODE_CHARS), message: toText(r.message, MAX_ERROR_MESSAGE_CHARS) },
    failed_at: toIso(r.completed_at),
  }));
  return {
    org_id: input.orgId,
    window: { from: input.from.toISOString(), to: input.to.toISOString(), hours: input.hours },
    job_type_id: input.jobTypeId,
    total,
    by_status,
    by_type,
    failures,
    durations_ms,
  };
}
