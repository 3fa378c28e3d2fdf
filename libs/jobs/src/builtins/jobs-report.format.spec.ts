import {
  escapeMrkdwn,
  formatCount,
  formatDuration,
  formatReportText,
  formatWindow,
  JobsReportData,
  JobsReportFailure,
  MAX_TEXT_CHARS,
  truncate,
} from './jobs-report.format';

const window = { from: '2025-03-01T09:00:00.000Z', to: '2025-03-02T09:00:00.000Z', hours: 24 };

function report(overrides: Partial<JobsReportData> = {}): JobsReportData {
  return {
    org_id: 'acme',
    window,
    job_type_id: null,
    total: 1234,
    by_status: { WAITING: 4, SCHEDULED: 10, RUNNING: 3, COMPLETED: 1150, FAILED: 60, CANCELED: 7 },
    by_type: [
      { job_type_id: 'send-email', count: 900 },
      { job_type_id: 'sync-crm', count: 300 },
    ],
    failures: [
      {
        job_id: 'job_01hzx0000000000000000000aa',
        job_type_id: 'sync-crm',
        error: { code: 'AGENT_TIMEOUT', message: 'Agent did not answer within 30 s' },
        failed_at: '2025-03-02T08:59:00.000Z',
      },
      {
        job_id: 'job_01hzx0000000000000000000ab',
        job_type_id: 'send-email',
        error: { code: 'AGENT_ERROR', message: 'SMTP said:\n  550 mailbox <unavailable>' },
        failed_at: '2025-03-02T08:00:00.000Z',
      },
    ],
    durations_ms: { p50: 350, p90: 1234, p99: 61_000, count: 1150 },
    ...overrides,
  };
}

function failure(i: number, message = 'x'.repeat(200)): JobsReportFailure {
  return {
    job_id: `job_${String(i).padStart(26, '0')}`,
    job_type_id: 'a-rather-long-job-type-name-for-testing',
    error: { code: 'SOMETHING_WENT_WRONG', message },
    failed_at: null,
  };
}

describe('formatDuration', () => {
  it.each([
    [null, 'n/a'],
    [0, '0 ms'],
    [349.6, '350 ms'],
    [999.4, '999 ms'],
    [999.6, '1.0 s'],
    [1234, '1.2 s'],
    [59_949, '59.9 s'],
    [59_960, '1 min'],
    [125_000, '2 min 5 s'],
    [3_600_000, '1 h'],
    [3_780_000, '1 h 3 min'],
    [-5, '0 ms'],
  ])('%p → %p', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('small helpers', () => {
  it('formats counts with thousands separators', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1234567)).toBe('1,234,567');
  });

  it('labels windows in hours, or whole days from 2 days up', () => {
    expect(formatWindow(1)).toBe('1 h');
    expect(formatWindow(24)).toBe('24 h');
    expect(formatWindow(36)).toBe('36 h');
    expect(formatWindow(168)).toBe('7 d');
    expect(formatWindow(720)).toBe('30 d');
  });

  it('truncates by code points and marks the cut', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('😀😀😀', 2)).toBe('😀…');
  });

  it('escapes Slack control characters', () => {
    expect(escapeMrkdwn('<!channel> & <@U123>')).toBe('&lt;!channel&gt; &amp; &lt;@U123&gt;');
  });
});

describe('formatReportText', () => {
  it('summarizes a realistic report', () => {
    const text = formatReportText(report());
    expect(text).toBe(
      [
        '*Jobs report for acme* — last 24 h',
        '_2025-03-01 09:00 → 2025-03-02 09:00 UTC_',
        '• Total: 1,234',
        '• Completed: 1,150 (93.2%) · Failed: 60 (4.9%) · Canceled: 7 · Running: 3 · Scheduled: 10 · Waiting: 4',
        '• Duration of completed jobs: p50 350 ms · p90 1.2 s · p99 1 min 1 s (1,150 timed)',
        '',
        '*By job type*',
        '• `send-email`: 900',
        '• `sync-crm`: 300',
        '• _other types_: 34',
        '',
        '*Recent failures* (2 of 60)',
        '• `job_01hzx0000000000000000000aa` (`sync-crm`) — `AGENT_TIMEOUT`: Agent did not answer within 30 s',
        '• `job_01hzx0000000000000000000ab` (`send-email`) — `AGENT_ERROR`: SMTP said: 550 mailbox &lt;unavailable&gt;',
        '…and 58 more',
      ].join('\n'),
    );
  });

  it('says so when there were no jobs', () => {
    const text = formatReportText(
      report({
        total: 0,
        by_status: { WAITING: 0, SCHEDULED: 0, RUNNING: 0, COMPLETED: 0, FAILED: 0, CANCELED: 0 },
        by_type: [],
        failures: [],
        durations_ms: { p50: null, p90: null, p99: null, count: 0 },
      }),
    );
    expect(text).toBe(
      ['*Jobs report for acme* — last 24 h', '_2025-03-01 09:00 → 2025-03-02 09:00 UTC_', 'No jobs were created in this window.'].join('\n'),
    );
  });

  it('handles jobs without completions or failures, narrowed to one type', () => {
    const text = formatReportText(
      report({
        job_type_id: 'sync-crm',
        window: { ...window, hours: 168 },
        total: 5,
        by_status: { WAITING: 5, SCHEDULED: 0, RUNNING: 0, COMPLETED: 0, FAILED: 0, CANCELED: 0 },
        by_type: [{ job_type_id: 'sync-crm', count: 5 }],
        failures: [],
        durations_ms: { p50: null, p90: null, p99: null, count: 0 },
      }),
    );
    expect(text).toContain('*Jobs report for acme* — last 7 d (job type `sync-crm`)');
    expect(text).toContain('• Completed: 0 (0%) · Failed: 0 (0%)');
    expect(text).toContain('• Duration of completed jobs: n/a (none completed)');
    expect(text).not.toContain('*By job type*');
    expect(text).not.toContain('*Recent failures*');
  });

  it('lists all failures when they are all shown', () => {
    const text = formatReportText(report({ by_status: { ...report().by_status, FAILED: 2 } }));
    expect(text).toContain('*Recent failures* (2)\n');
    expect(text).not.toContain('more');
  });

  it('cuts the failures list to fit, saying how many are left out', () => {
    const failures = Array.from({ length: 10 }, (_, i) => failure(i));
    const by_type = Array.from({ length: 20 }, (_, i) => ({ job_type_id: `type-${'y'.repeat(50)}-${i}`, count: 10 }));
    const text = formatReportText(report({ failures, by_type, by_status: { ...report().by_status, FAILED: 60 } }));
    expect(text.length).toBeLessThanOrEqual(MAX_TEXT_CHARS);
    const shown = text.split('\n').filter((l) => l.startsWith('• `job_')).length;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(10);
    expect(text).toContain(`*Recent failures* (${shown} of 60)`);
    expect(text.endsWith(`…and ${60 - shown} more`)).toBe(true);
  });

  it('respects a custom limit and keeps whole lines', () => {
    const failures = Array.from({ length: 10 }, (_, i) => failure(i));
    const text = formatReportText(report({ failures }), { maxChars: 1000 });
    expect(text.length).toBeLessThanOrEqual(1000);
    expect(text).toMatch(/\n…and \d+ more$/);
    // every failure line shown is complete (ends with the full message's ellipsis-free tail)
    for (const line of text.split('\n').filter((l) => l.startsWith('• `job_'))) expect(line).toMatch(/x{200}$/);
  });

  it('never exceeds the limit, even when the head alone is too long', () => {
    const by_type = Array.from({ length: 20 }, (_, i) => ({ job_type_id: `t${i}`, count: 1 }));
    const text = formatReportText(report({ by_type }), { maxChars: 300 });
    expect(text.length).toBeLessThanOrEqual(300);
    expect(text.endsWith('\n…')).toBe(true);
  });

  it('keeps untrusted text from breaking the formatting', () => {
    const text = formatReportText(
      report({
        org_id: 'acme <!here>',
        failures: [{ ...failure(1, 'boom `rm -rf` <!channel>'), job_type_id: 'weird`type' }],
      }),
    );
    expect(text).not.toMatch(/<!/);
    expect(text).toContain('*Jobs report for acme &lt;!here&gt;*');
    expect(text).toContain("(`weird'type`) — `SOMETHING_WENT_WRONG`: boom `rm -rf` &lt;!channel&gt;");
  });
});
