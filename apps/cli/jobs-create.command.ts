import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** The batch route's item limit, and a body size safely under the API's 1 MB cap. */
const MAX_ITEMS = 500;
const MAX_BATCH_BYTES = 900 * 1024;
/** How often one batch is retried on 429 or 503 (waiting Retry-After each time). */
const RETRIES = 5;

export interface JobsCreateOptions {
  file: string;
  url: string;
  token: string;
  delay?: string;
  /** Each batch is sent with `<key>:<batch number>`, so running the same file again creates nothing twice. */
  idempotencyKey?: string;
  /** Progress lines (stderr when it is a TTY). */
  progress?: (text: string) => void;
}

interface Line { line: number; text: string }
interface Failure { line: number; status: number | null; code: string; detail: string; errors?: unknown }
export interface JobsCreateSummary { created: number; failed: number; failures: Failure[] }

/**
 * `cli jobs create --file jobs.ndjson`: one create body per line, sent to
 * POST /services/agent-jobs/batch in batches of up to 500 items (and under the body cap). A line
 * that is not JSON fails on its own; a batch the API refuses as a whole fails each of its lines.
 */
export async function createJobsFromFile(opts: JobsCreateOptions): Promise<JobsCreateSummary> {
  const lines = (await readFile(opts.file, 'utf8')).split(/\r?\n/)
    .map((text, i) => ({ line: i + 1, text: text.trim() }))
    .filter((l) => l.text !== '');
  const summary: JobsCreateSummary = { created: 0, failed: 0, failures: [] };
  const fail = (f: Failure) => { summary.failed++; summary.failures.push(f); };
  const items: Array<Line & { body: unknown }> = [];
  for (const l of lines) {
    try {
      items.push({ ...l, body: JSON.parse(l.text) });
    } catch {
      fail({ line: l.line, status: null, code: 'MALFORMED_JSON', detail: 'The line is not valid JSON' });
    }
  }
  let done = lines.length - items.length;
  const batches = split(items);
  for (const [n, batch] of batches.entries()) {
    const answer = await sendBatch(opts, batch.map((b) => b.body), opts.idempotencyKey ? `${opts.idempotencyKey}:${n + 1}` : undefined);
    if ('problem' in answer) {
      for (const b of batch) fail({ line: b.line, ...answer.problem });
    } else {
      for (const item of answer.data) {
        if (item.status === 201) summary.created++;
        else fail({ line: batch[item.index].line, status: item.status, code: item.error?.code ?? 'UNKNOWN', detail: item.error?.detail ?? '', errors: item.error?.errors });
      }
    }
    done += batch.length;
    opts.progress?.(`${done}/${lines.length} lines sent: ${summary.created} created, ${summary.failed} failed`);
  }
  summary.failures.sort((a, b) => a.line - b.line);
  return summary;
}

/** Consecutive lines in batches of at most MAX_ITEMS items and MAX_BATCH_BYTES of body. */
function split<T extends Line>(items: T[]): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(item.text) + 1;
    if (current.length && (current.length >= MAX_ITEMS || bytes + size > MAX_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length) batches.push(current);
  return batches;
}

type BatchItem = { index: number; status: number; error: { code: string; detail: string; errors?: unknown } | null };
type BatchAnswer = { data: BatchItem[] } | { problem: Omit<Failure, 'line'> };

async function sendBatch(opts: JobsCreateOptions, jobs: unknown[], idempotencyKey?: string): Promise<BatchAnswer> {
  const url = new URL('/services/agent-jobs/batch', opts.url);
  if (opts.delay !== undefined) url.searchParams.set('delay', opts.delay);
  const headers: Record<string, string> = { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' };
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jobs }) });
    } catch (err) {
      return { problem: { status: null, code: 'UNREACHABLE', detail: `${url.origin} cannot be reached: ${(err as Error).message}` } };
    }
    const body = (await res.json().catch(() => null)) as { data?: BatchItem[]; code?: string; detail?: string; errors?: unknown } | null;
    if (res.status === 200 && Array.isArray(body?.data)) return { data: body!.data! };
    // Rate limited or briefly unavailable: the whole batch again once it may pass.
    if ((res.status === 429 || res.status === 503) && attempt < RETRIES) {
      await sleep(Math.min(60, Number(res.headers.get('retry-after')) || 1) * 1000);
      continue;
    }
    return { problem: { status: res.status, code: body?.code ?? 'HTTP_ERROR', detail: body?.detail ?? `HTTP ${res.status}`, errors: body?.errors } };
  }
}
