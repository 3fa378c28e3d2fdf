import { Client } from 'pg';
import { jobJsonSql } from '../../libs/jobs/src/job-json.sql';
import type { JobRow, TaskRow } from '../../libs/jobs/src/job-rows';
import { jobView } from '../../libs/jobs/src/job-view';
import { expectProblem } from '../support/problem';
import { bearer, newOrg, startTestApp, TestApp } from '../support/test-app';

/**
 * The list and get endpoints send the JSON Postgres builds (job-json.sql.ts); it must be the JS
 * jobView of the same rows: same keys in the same order, same values, timestamps as toISOString
 * of the Date the pg driver parses (microseconds cut, not rounded).
 */
describe('job JSON built by Postgres', () => {
  let t: TestApp;
  let org: string;
  let auth: Record<string, string>;
  const id = (name: string) => `job_json_${org}_${name}`;

  /** JSON.stringify keeps key order, so equal strings mean equal keys, order and values. */
  const canonical = (v: unknown) => JSON.stringify(v);

  async function jsView(jobId: string) {
    const [job] = (await t.db.query(`SELECT * FROM jobs WHERE id = $1`, [jobId])).rows as JobRow[];
    const tasks = (await t.db.query(`SELECT * FROM tasks WHERE job_id = $1 ORDER BY created_at, id`, [jobId])).rows as TaskRow[];
    const subjobs = (await t.db.query(`SELECT id FROM jobs WHERE parent_job_id = $1 ORDER BY created_at, id`, [jobId])).rows.map((r) => r.id);
    return jobView(job, tasks, subjobs);
  }

  async function insertJob(name: string, cols: Record<string, unknown>) {
    const row: Record<string, unknown> = {
      id: id(name), org_id: org, job_type_id: 'echo', status: 'SCHEDULED', target_channel: { org_id: org, platform: 'slack', code: 'C1' },
      config: { max_follow_ups: 0 }, scheduled_at: '2030-01-01 00:00:00+00', ...cols,
    };
    const keys = Object.keys(row);
    const values = keys.map((k) => (row[k] !== null && typeof row[k] === 'object' ? JSON.stringify(row[k]) : row[k]));
    await t.db.query(`INSERT INTO jobs (${keys.join(', ')}) VALUES (${keys.map((_, i) => `$${i + 1}`).join(', ')})`, values);
  }

  async function insertTask(jobName: string, n: number, cols: Record<string, unknown>) {
    await t.db.query(
      `INSERT INTO tasks (id, job_id, org_id, kind, attempt, status, run_at, created_at, started_at, finished_at, result, error,
                          usage, tool_calls, iterations)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
               coalesce($13::jsonb, '{"prompt": 0, "completion": 0, "total": 0}'), coalesce($14::jsonb, '[]'), coalesce($15::int, 0))`,
      [`task_${id(jobName)}_${n}`, id(jobName), org, cols.kind ?? 'initial', n, cols.status ?? 'COMPLETED', cols.run_at ?? '2024-01-01 00:00:00+00',
        cols.created_at ?? '2024-01-01 00:00:00+00', cols.started_at ?? null, cols.finished_at ?? null,
        cols.result === undefined ? null : JSON.stringify(cols.result), cols.error === undefined ? null : JSON.stringify(cols.error),
        cols.usage === undefined ? null : JSON.stringify(cols.usage), cols.tool_calls === undefined ? null : JSON.stringify(cols.tool_calls),
        cols.iterations ?? null],
    );
  }

  beforeAll(async () => {
    t = await startTestApp({ withWorker: false });
    org = newOrg('json');
    auth = bearer(await t.token(org, { SERVICES: 'READ' }));
    await t.db.query(`INSERT INTO orgs (id) VALUES ($1) ON CONFLICT DO NOTHING`, [org]);

    const awkward = {
      text: 'héllo ✓ 日本語 😀 "quoted" back\\slash tab\t newline\n ctrl\u0001 \u2028 </script>',
      nested: { list: [1, 'two', null, { deep: [true, false, { deeper: {} }] }, []], 'clé ✓': 'valeur' },
      numbers: { int: 42, neg: -7, frac: 1.5, exp: 1e21, tiny: 1e-7, zero: 0 },
      empty: '',
    };
    // Every field set, timestamps on awkward microseconds (and offsets: Postgres stores UTC).
    await insertJob('full', {
      status: 'CANCELED', channel_code: 'C-ünï', params: awkward,
      // As text: jsonb keeps numbers as written (1.50, 1E2 -> 100, 20 digits), JS parses them to the same doubles.
      metadata: JSON.stringify({ trace: 'abc', awkward }).replace(/}$/, ',"raw":{"padded":1.50,"exp":1E2,"big":12345678901234567890}}'),
      result: { text: 'done ✓', items: [1, 2, 3] }, error: { code: 'AGENT_ERROR', message: 'the agent said "no"\n' },
      config: { max_follow_ups: 3, max_task_retries: 2, task_retry_interval: 30, start_prompt: 'Prompt ✓', max_time_to_complete: 3600, profile_id: null },
      target_channel: { org_id: org, platform: 'slack', type: 'channel', code: 'C-ünï', data: { thread_ts: '1712.0001' } },
      created_at: '2024-12-31 23:59:59.999999+00', updated_at: '2025-01-01 00:00:00.000001+00', scheduled_at: '2024-06-30 12:00:00.0005+00',
      started_at: '2024-02-29 23:59:59.9995+05:30', completed_at: '2024-03-31 01:59:59.999+02', canceled_at: '0999-06-01 00:00:00.123456+00',
      callback_url: 'https://example.com/cb?x=1&y=ü', observers: [{ type: 'webhook', url: 'https://example.com/o', events: ['job.completed'] }],
      cancel_reason: 'no longer needed — «done»', canceled_by: 'token:tok_1',
      delivery: { status: 'FAILED', platform: 'slack', channel: 'C-ünï', ts: null, attempts: 3, error: { code: 'SLACK_ERROR', message: 'channel_not_found' } },
      // Stored in jsonb's own key order (total first) with a big count: shown as {prompt, completion, total}, numbers as numbers.
      session_id: 'ses_01jz000000000000000000json', usage: '{"total": 9007199254740000, "completion": 5, "prompt": 9007199254739995}', iterations: 7,
    });
    await insertTask('full', 1, {
      kind: 'initial', status: 'FAILED', run_at: '2024-12-31 23:59:59.999999+00', created_at: '2024-12-31 23:59:59.999999+00',
      started_at: '2025-01-01 00:00:00.000999+00', finished_at: '2025-01-01 00:00:01.999999+00', error: { code: 'AGENT_ERROR', message: 'boom ✗' },
      usage: { completion: 3, total: 10, prompt: 7 }, iterations: 2,
      tool_calls: [{ tool: 'search ✓', status: 'error', duration_ms: 12.5, error_code: 'TIMEOUT' }, { tool: 'fetch', status: 'ok', duration_ms: 0, error_code: null }],
    });
    await insertTask('full', 2, {
      kind: 'retry', status: 'COMPLETED', run_at: '2025-01-01 00:00:30.5+00', created_at: '2025-01-01 00:00:02+00',
      started_at: '2025-01-01 00:00:30.000001+00', finished_at: '2025-01-01 00:00:31.999999+00', result: { text: 'ok', nested: awkward.nested },
    });
    await insertTask('full', 3, { kind: 'follow_up', status: 'PENDING', created_at: '2025-01-01 00:00:02+00', result: null });
    for (const [n, at] of [['sub-b', '2025-01-02 00:00:00.000002+00'], ['sub-a', '2025-01-02 00:00:00.000001+00'], ['sub-c', '2025-01-02 00:00:00.000002+00']]) {
      await insertJob(n, { parent_job_id: id('full'), created_at: at, updated_at: at });
    }
    // Nulls everywhere they are allowed; observers stored as a JSON null still read as [].
    await insertJob('nulls', {
      status: 'WAITING', channel_code: null, metadata: null, observers: 'null', created_at: '2025-02-01 00:00:00+00', updated_at: '2025-02-01 00:00:00+00',
    });
    await insertJob('json-nulls', { result: 'null', error: 'null', metadata: 'null', delivery: 'null', created_at: '2025-02-02 00:00:00+00' });
    await insertTask('nulls', 1, { status: 'RUNNING', started_at: null, finished_at: null, result: null, error: null });
  });
  afterAll(async () => { await t?.close(); });

  const names = ['full', 'sub-a', 'sub-b', 'sub-c', 'nulls', 'json-nulls'];

  it('equals jobView of the rows the driver parses, in any session time zone', async () => {
    // Another session time zone must not change the text (the driver's Dates do not depend on it either).
    const c = new Client({ connectionString: t.env.DATABASE_URL });
    await c.connect();
    try {
      for (const zone of ['UTC', 'America/St_Johns', 'Asia/Kathmandu']) {
        await c.query(`SET TimeZone = '${zone}'`);
        for (const name of names) {
          const { rows } = await c.query(`SELECT ${jobJsonSql('j')}::text AS job FROM jobs j WHERE j.id = $1`, [id(name)]);
          expect(canonical(JSON.parse(rows[0].job))).toBe(canonical(await jsView(id(name))));
        }
      }
    } finally {
      await c.end();
    }
    const full = await jsView(id('full'));
    // The awkward values really are in there.
    expect(full).toMatchObject({
      created_at: '2024-12-31T23:59:59.999Z', updated_at: '2025-01-01T00:00:00.000Z', scheduled_at: '2024-06-30T12:00:00.000Z',
      started_at: '2024-02-29T18:29:59.999Z', completed_at: '2024-03-30T23:59:59.999Z', canceled_at: '0999-06-01T00:00:00.123Z',
      subjobs: [id('sub-a'), id('sub-b'), id('sub-c')],
    });
    expect(full.tasks.map((x) => [x.kind, x.finished_at])).toEqual([
      ['initial', '2025-01-01T00:00:01.999Z'], ['retry', '2025-01-01T00:00:31.999Z'], ['follow_up', null],
    ]);
    expect(await jsView(id('nulls'))).toMatchObject({
      channel_code: null, metadata: null, observers: [], delivery: null, completed_at: null, session_id: null,
      usage: { prompt: 0, completion: 0, total: 0 }, iterations: 0,
    });
    expect(Object.keys(full.usage)).toEqual(['prompt', 'completion', 'total']);
    expect(full).toMatchObject({ session_id: 'ses_01jz000000000000000000json', usage: { prompt: 9007199254739995, completion: 5, total: 9007199254740000 }, iterations: 7 });
    expect(full.tasks[0]).toMatchObject({ usage: { prompt: 7, completion: 3, total: 10 }, iterations: 2, tool_calls: [{ tool: 'search ✓' }, { tool: 'fetch' }] });
    expect(full.tasks[2]).toMatchObject({ usage: { prompt: 0, completion: 0, total: 0 }, tool_calls: [], iterations: 0 });
  });

  it('GET /:id sends it as application/json in the envelope', async () => {
    for (const name of names) {
      const res = await t.http().get(`/services/agent-jobs/${id(name)}`).set(auth);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(canonical(JSON.parse(res.text))).toBe(canonical({ data: await jsView(id(name)), meta: { org_id: org, id: id(name) } }));
    }
  });

  it('GET /:id errors stay problem+json', async () => {
    expectProblem(await t.http().get(`/services/agent-jobs/${id('missing')}`).set(auth), 404, 'JOB_NOT_FOUND');
    const other = bearer(await t.token(newOrg('json-other'), { SERVICES: 'READ' }));
    expectProblem(await t.http().get(`/services/agent-jobs/${id('full')}`).set(other), 403, 'FORBIDDEN');
  });

  it('the list sends valid JSON: the envelope of today, jobs equal to jobView', async () => {
    const res = await t.http().get('/services/agent-jobs?limit=4&sort=created_at:asc').set(auth);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(res.text);
    expect(Object.keys(body)).toEqual(['data', 'meta']);
    const expected = ['full', 'sub-a', 'sub-b', 'sub-c'].map(id);
    expect(Object.keys(body.meta)).toEqual(['org_id', 'limit', 'offset', 'total', 'sort', 'next_cursor']);
    expect(body.meta).toEqual({
      org_id: org, limit: 4, offset: 0, total: 6, sort: [{ field: 'created_at', direction: 'asc' }], next_cursor: expect.any(String),
    });
    expect(canonical(body.data)).toBe(canonical(await Promise.all(expected.map(jsView))));

    const next = await t.http().get(`/services/agent-jobs?limit=4&sort=created_at:asc&cursor=${encodeURIComponent(body.meta.next_cursor)}`).set(auth);
    expect(canonical(JSON.parse(next.text))).toBe(canonical({
      data: await Promise.all(['nulls', 'json-nulls'].map((n) => jsView(id(n)))),
      meta: { org_id: org, limit: 4, offset: 0, total: 6, sort: [{ field: 'created_at', direction: 'asc' }], next_cursor: null },
    }));

    const empty = await t.http().get('/services/agent-jobs?status=FAILED').set(auth);
    expect(empty.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(empty.text)).toEqual({
      data: [], meta: { org_id: org, limit: 20, offset: 0, total: 0, sort: [{ field: 'created_at', direction: 'desc' }], next_cursor: null },
    });
  });

  it('cursor pages tell apart jobs a microsecond apart (the API shows milliseconds)', async () => {
    // sub-b and sub-c share a microsecond, sub-a is one before: the id breaks the tie.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `?sort=created_at:desc&limit=1&created_at_gte=2025-01-02T00:00:00Z&created_at_lte=2025-01-02T00:00:01Z${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await t.http().get(`/services/agent-jobs${q}`).set(auth);
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((j: { job_id: string }) => j.job_id));
      cursor = res.body.meta.next_cursor;
    } while (cursor && seen.length < 10);
    expect(seen).toEqual([id('sub-c'), id('sub-b'), id('sub-a')]);
  });

  it('a bad filter stays a problem+json 400', async () => {
    expectProblem(await t.http().get('/services/agent-jobs?status=NOPE').set(auth), 400, 'VALIDATION_ERROR');
  });
});
