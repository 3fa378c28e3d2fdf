/** Params of the jobs-report builtin, and its data from the rows JobsReportRepository reads. */
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
