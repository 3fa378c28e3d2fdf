import { DataSource } from 'typeorm';
import { TaskContext } from '@app/job-types';
import { JobsReportAgent } from './jobs-report.agent';
import { JobsReportRepository } from './jobs-report.repository';
import { JobsReportResult } from './jobs-report.format';
import { parseJobsReportParams } from './jobs-report.query';

function ctx(params: Record<string, unknown>, signal = new AbortController().signal): TaskContext {
  return {
    org_id: 'acme',
    job_id: 'job_self',
    task_id: 'task_1',
    kind: 'initial',
    attempt: 1,
    job_type_id: 'daily-report',
    params,
    config: {},
    target_channel: {},
    metadata: null,
    previous_tasks: [],
    session_id: null,
    messages: [],
    signal,
  };
}

/** A DataSource whose transaction hands out an EntityManager answering by query kind. */
function fakeDataSource(rows: { statuses?: unknown[]; types?: unknown[]; failures?: unknown[] } = {}) {
  const calls: Array<{ sql: string; params: unknown[] }> = [];
  const em = {
    query: jest.fn(async (sql: string, params: unknown[]) => {
      calls.push({ sql, params });
      if (sql.includes('percentile_cont')) return rows.statuses ?? [];
      if (sql.includes("status = 'FAILED'")) return rows.failures ?? [];
      return rows.types ?? [];
    }),
  };
  const ds = { transaction: jest.fn(async (_level: string, fn: (m: typeof em) => Promise<unknown>) => fn(em)) };
  return { ds: ds as unknown as DataSource, calls, transaction: ds.transaction };
}

describe('parseJobsReportParams', () => {
  it('defaults to 24 hours over all types', () => {
    expect(parseJobsReportParams({})).toEqual({ ok: true, value: { window_hours: 24, job_type_id: null } });
    expect(parseJobsReportParams(undefined)).toEqual({ ok: true, value: { window_hours: 24, job_type_id: null } });
  });

  it('accepts the bounds and a job type', () => {
    expect(parseJobsReportParams({ window_hours: 1 })).toMatchObject({ ok: true });
    expect(parseJobsReportParams({ window_hours: 720, job_type_id: 'sync.v2' })).toEqual({
      ok: true,
      value: { window_hours: 720, job_type_id: 'sync.v2' },
    });
  });

  it.each([0, 721, -1, 1.5, '24', NaN, Infinity, true, [24]])('rejects window_hours %p', (window_hours) => {
    expect(parseJobsReportParams({ window_hours })).toMatchObject({ ok: false });
  });

  it.each([5, '', ' sync', 'a'.repeat(101), {}])('rejects job_type_id %p', (job_type_id) => {
    expect(parseJobsReportParams({ job_type_id })).toMatchObject({ ok: false });
  });

  it('rejects params that are not an object', () => {
    expect(parseJobsReportParams([1])).toMatchObject({ ok: false });
    expect(parseJobsReportParams('x')).toMatchObject({ ok: false });
  });
});

describe('JobsReportAgent', () => {
  it('fails with INVALID_PARAMS without touching the database', async () => {
    const { ds, transaction } = fakeDataSource();
    const out = await new JobsReportAgent(new JobsReportRepository(ds)).run(ctx({ window_hours: 0 }));
    expect(out).toEqual({ status: 'failed', error: { code: 'INVALID_PARAMS', message: expect.stringContaining('window_hours') } });
    expect(transaction).not.toHaveBeenCalled();
  });

  it("scopes every query to the org's window, leaving out its own job", async () => {
    const { ds, calls, transaction } = fakeDataSource();
    const before = Date.now();
    await new JobsReportAgent(new JobsReportRepository(ds)).run(ctx({ window_hours: 6 }));
    expect(transaction).toHaveBeenCalledWith('REPEATABLE READ', expect.any(Function));
    expect(calls).toHaveLength(3);
    for (const { sql, params } of calls) {
      expect(sql).toContain('org_id = $1');
      expect(sql).toContain('id <> $4');
      expect(sql).not.toContain('$5');
      expect(params).toHaveLength(4);
      const [org, from, to, self] = params as string[];
      expect(org).toBe('acme');
      expect(self).toBe('job_self');
      expect(Date.parse(to) - Date.parse(from)).toBe(6 * 3_600_000);
      expect(Date.parse(to)).toBeGreaterThanOrEqual(before);
    }
  });

  it('narrows to a job type with a fifth parameter', async () => {
    const { ds, calls } = fakeDataSource();
    await new JobsReportAgent(new JobsReportRepository(ds)).run(ctx({ job_type_id: 'sync' }));
    for (const { sql, params } of calls) {
      expect(sql).toContain('job_type_id = $5');
      expect(params[4]).toBe('sync');
    }
  });

  it('assembles the result from the rows', async () => {
    const { ds } = fakeDataSource({
      statuses: [
        { status: 'COMPLETED', count: 8, timed: 7, percentiles: [350.4, 1200, 4999.6] },
        { status: 'FAILED', count: 2, timed: 0, percentiles: null },
      ],
      types: [{ job_type_id: 'send-email', count: 10 }],
      failures: [
        { job_id: 'job_b', job_type_id: 'send-email', code: 'E', message: 'm'.repeat(201), completed_at: new Date('2025-03-02T08:00:00Z') },
        { job_id: 'job_a', job_type_id: 'send-email', code: null, message: null, completed_at: null },
      ],
    });
    const out = await new JobsReportAgent(new JobsReportRepository(ds)).run(ctx({}));
    expect(out.status).toBe('completed');
    const result = (out as { result: JobsReportResult }).result;
    expect(result).toMatchObject({
      org_id: 'acme',
      job_type_id: null,
      total: 10,
      by_status: { WAITING: 0, SCHEDULED: 0, RUNNING: 0, COMPLETED: 8, FAILED: 2, CANCELED: 0 },
      by_type: [{ job_type_id: 'send-email', count: 10 }],
      durations_ms: { p50: 350, p90: 1200, p99: 5000, count: 7 },
    });
    expect(result.window.hours).toBe(24);
    expect(result.failures).toEqual([
      { job_id: 'job_b', job_type_id: 'send-email', error: { code: 'E', message: 'm'.repeat(199) + '…' }, failed_at: '2025-03-02T08:00:00.000Z' },
      { job_id: 'job_a', job_type_id: 'send-email', error: { code: null, message: null }, failed_at: null },
    ]);
    expect(result.text).toContain('*Jobs report for acme* — last 24 h');
    expect(result.text).toContain('• Total: 10');
    expect(Object.keys(result)[0]).toBe('text');
  });

  it('reports zero jobs with null durations', async () => {
    const { ds } = fakeDataSource();
    const out = await new JobsReportAgent(new JobsReportRepository(ds)).run(ctx({}));
    expect(out).toMatchObject({
      status: 'completed',
      result: { total: 0, by_type: [], failures: [], durations_ms: { p50: null, p90: null, p99: null, count: 0 } },
    });
  });

  it('stops when the job is aborted', async () => {
    const { ds, transaction } = fakeDataSource();
    const ac = new AbortController();
    ac.abort(new Error('canceled'));
    await expect(new JobsReportAgent(new JobsReportRepository(ds)).run(ctx({}, ac.signal))).rejects.toThrow('canceled');
    expect(transaction).not.toHaveBeenCalled();
  });
});
