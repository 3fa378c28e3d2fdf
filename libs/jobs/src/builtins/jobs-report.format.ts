/**
 * Pure formatting for the jobs-report builtin: report numbers → Slack mrkdwn text.
 * No I/O here, so it is unit-tested on its own (jobs-report.format.spec.ts).
 */
import { JOB_STATUSES, JobStatus } from '../job-status';

/** Slack renders a section's text up to 3000 characters; stay clearly below. */
export const MAX_TEXT_CHARS = 2900;
/** Longest error message kept in `failures[].error.message`. */
export const MAX_ERROR_MESSAGE_CHARS = 200;
/** Longest error code kept in `failures[].error.code`. */
export const MAX_ERROR_CODE_CHARS = 100;

export interface JobsReportFailure {
  job_id: string;
  job_type_id: string;
  error: { code: string | null; message: string | null };
  /** ISO time the job finished, null if unknown. */
  failed_at: string | null;
}

/** Everything in the report except `text`. */
export interface JobsReportData {
  org_id: string;
  /** [from, to) on created_at, ISO strings. */
  window: { from: string; to: string; hours: number };
  /** The job type the report was narrowed to, null for all types. */
  job_type_id: string | null;
  total: number;
  by_status: Record<JobStatus, number>;
  /** Top job types by count, most first. */
  by_type: Array<{ job_type_id: string; count: number }>;
  /** Most recent failed jobs, newest first. */
  failures: JobsReportFailure[];
  durations_ms: { p50: number | null; p90: number | null; p99: number | null; count: number };
}

export type JobsReportResult = { text: string } & JobsReportData;

const STATUS_LABELS: Record<JobStatus, string> = {
  COMPLETED: 'Completed',
  FAILED: 'Failed',
  CANCELED: 'Canceled',
  RUNNING: 'Running',
  SCHEDULED: 'Scheduled',
  WAITING: 'Waiting',
};
/** Order in the text: outcomes first, then what is still in flight. */
const TEXT_STATUS_ORDER: JobStatus[] = ['COMPLETED', 'FAILED', 'CANCELED', 'RUNNING', 'SCHEDULED', 'WAITING'];

/** Cuts `s` to at most `max` characters (code points), ending in "…" when cut. */
export function truncate(s: string, max: number): string {
  const chars = Array.from(s);
  if (chars.length <= max) return s;
  if (max <= 1) return chars.slice(0, max).join('');
  return chars.slice(0, max - 1).join('') + '…';
}

/** Escapes the three characters Slack mrkdwn treats as control characters (so `<!channel>` cannot ping anyone). */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One line of untrusted text, safe for mrkdwn: whitespace collapsed, control characters escaped. */
function inlineText(s: string, max: number): string {
  return escapeMrkdwn(truncate(s.replace(/\s+/g, ' ').trim(), max));
}

/** An identifier as inline code; backticks removed so it cannot break out of the code span. */
function code(s: string, max = 60): string {
  const clean = truncate(s.replace(/`/g, "'").replace(/\s+/g, ' ').trim(), max);
  return '`' + escapeMrkdwn(clean || '?') + '`';
}

/** 1234567 → "1,234,567". */
export function formatCount(n: number): string {
  const sign = n < 0 ? '-' : '';
  return sign + String(Math.round(Math.abs(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** "350 ms", "1.2 s", "45.0 s", "2 min 5 s", "1 h 3 min"; "n/a" for null. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return 'n/a';
  const v = Math.max(0, ms);
  if (Math.round(v) < 1000) return `${Math.round(v)} ms`;
  const tenths = Math.round(v / 100); // in 0.1 s
  if (tenths < 600) return `${(tenths / 10).toFixed(1)} s`;
  const seconds = Math.round(v / 1000);
  if (seconds < 3600) {
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    return s ? `${m} min ${s} s` : `${m} min`;
  }
  const minutes = Math.round(v / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** 24 → "24 h", 168 → "7 d" (whole days from 2 days up). */
export function formatWindow(hours: number): string {
  return hours >= 48 && hours % 24 === 0 ? `${hours / 24} d` : `${hours} h`;
}

/** "2025-01-02 10:00" (UTC) from an ISO string. */
function formatUtc(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 16).replace('T', ' ');
}

function percent(part: number, whole: number): string {
  if (!whole) return '0%';
  const p = (part / whole) * 100;
  if (part > 0 && p < 0.1) return '<0.1%';
  if (part < whole && p > 99.9) return '>99.9%';
  return `${Number.isInteger(p) ? p : p.toFixed(1)}%`;
}

function failureLine(f: JobsReportFailure): string {
  const errorCode = f.error.code ? code(f.error.code, 40) : '`UNKNOWN`';
  const message = f.error.message ? `: ${inlineText(f.error.message, MAX_ERROR_MESSAGE_CHARS)}` : '';
  return `• ${code(f.job_id, 40)} (${code(f.job_type_id)}) — ${errorCode}${message}`;
}

/**
 * The report as Slack mrkdwn, always at most `maxChars` characters: the failures list is cut
 * to what fits (with a "…and N more" line), and as a last resort the text is cut at a line end.
 */
export function formatReportText(data: JobsReportData, opts: { maxChars?: number } = {}): string {
  const maxChars = opts.maxChars ?? MAX_TEXT_CHARS;
  const head: string[] = [];
  const scope = data.job_type_id ? ` (job type ${code(data.job_type_id)})` : '';
  head.push(`*Jobs report for ${inlineText(data.org_id, 100)}* — last ${formatWindow(data.window.hours)}${scope}`);
  head.push(`_${formatUtc(data.window.from)} → ${formatUtc(data.window.to)} UTC_`);

  if (data.total === 0) {
    head.push('No jobs were created in this window.');
    return fit(head.join('\n'), maxChars);
  }

  const s = data.by_status;
  head.push(`• Total: ${formatCount(data.total)}`);
  head.push(
    '• ' +
      TEXT_STATUS_ORDER.map((st) => {
        const pct = st === 'COMPLETED' || st === 'FAILED' ? ` (${percent(s[st], data.total)})` : '';
        return `${STATUS_LABELS[st]}: ${formatCount(s[st])}${pct}`;
      }).join(' · '),
  );
  const d = data.durations_ms;
  head.push(
    d.count > 0
      ? `• Duration of completed jobs: p50 ${formatDuration(d.p50)} · p90 ${formatDuration(d.p90)} · p99 ${formatDuration(d.p99)} (${formatCount(d.count)} timed)`
      : '• Duration of completed jobs: n/a (none completed)',
  );

  // The job-type breakdown only says something when more than one type is in play.
  if (!data.job_type_id && data.by_type.length > 0) {
    head.push('', '*By job type*');
    for (const t of data.by_type) head.push(`• ${code(t.job_type_id)}: ${formatCount(t.count)}`);
    const listed = data.by_type.reduce((sum, t) => sum + t.count, 0);
    if (listed < data.total) head.push(`• _other types_: ${formatCount(data.total - listed)}`);
  }

  const failedCount = s.FAILED;
  if (failedCount === 0) return fit(head.join('\n'), maxChars);

  const headText = head.join('\n');
  const lines = data.failures.map(failureLine);
  // Add failure lines while the text (plus a possible "…and N more" line) still fits.
  for (let shown = lines.length; shown >= 0; shown--) {
    const more = failedCount - shown;
    const title = `\n\n*Recent failures* (${shown < failedCount ? `${formatCount(shown)} of ${formatCount(failedCount)}` : formatCount(failedCount)})`;
    const body = lines.slice(0, shown).map((l) => '\n' + l).join('');
    const tail = more > 0 ? `\n…and ${formatCount(more)} more` : '';
    const text = headText + title + body + tail;
    if (text.length <= maxChars || shown === 0) return fit(text, maxChars);
  }
  return fit(headText, maxChars); // unreachable: shown === 0 always returns
}

/** Last-resort cut at a line end so the text never exceeds `maxChars`. */
function fit(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, Math.max(0, maxChars - 2));
  const nl = cut.lastIndexOf('\n');
  return (nl > 0 ? cut.slice(0, nl) : cut) + '\n…';
}
