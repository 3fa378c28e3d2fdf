import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../../libs/common/src';
import { claimSql as postClaimSql } from '../../libs/channels/src/delivery/claim-posts.sql';
import { finishSql as postFinishSql } from '../../libs/channels/src/delivery/finish-posts.sql';
import { jobRecordSql } from '../../libs/jobs/src/job-record.sql';
import { SignedCursors } from '../../libs/common/src';
import { CANCEL_SQL, TIMEOUT_DUE_SQL, TIMEOUT_ONE_SQL } from '../../libs/jobs/src/job-transitions.repository';
import { INSERT_JOBS_SQL } from '../../libs/jobs/src/job-insert.repository';
import { JobListRepository } from '../../libs/jobs/src/job-list.repository';
import { JobsQueryService } from '../../libs/jobs/src/jobs-query.service';
import { JobsReadRepository } from '../../libs/jobs/src/jobs-read.repository';
import { ObservedJobsRepository, OUTBOX_PEEK_SQL } from '../../libs/jobs/src/observed-jobs.repository';
import { DUE_TASKS_SQL, HAND_BACK_SQL } from '../../libs/jobs/src/task-recovery.repository';
import { AWAIT_CALLBACK_SQL, CLAIM_SQL, FINISH_SQL, RELEASE_SQL } from '../../libs/jobs/src/task-transitions.repository';
import { DeliveriesRepository } from '../../libs/observers/src/delivery/deliveries.repository';
import { DeliveryReconcilerService } from '../../libs/observers/src/delivery/delivery-reconciler.service';
import { EventDispatcherService } from '../../libs/observers/src/dispatch/event-dispatcher.service';
import { ChannelPostsRepository } from '../../libs/channels/src/delivery/channel-posts.repository';
import { ChannelPostsReconciler } from '../../libs/channels/src/delivery/channel-posts.reconciler';
import { ScheduleFiresRepository } from '../../libs/schedules/src/schedule-fires.repository';
import { createTestDatabase } from '../support/test-app';
import { StreamEventsRepository } from '../../libs/jobs/src/streams/stream-events.repository';
import { CLAIM_SESSION_SQL, FAIL_LAPSED_TURNS_SQL, SWEEP_SESSIONS_SQL } from '../../libs/sessions/src/session-turns.sql';
import type { ListJobsQueryDto } from '../../libs/jobs/src/dto/list-jobs.query';
import { ORDERED_WALK } from '../../libs/database/src/ordered-walk';
import { JobRetentionRepository } from '../../libs/jobs/src/retention/job-retention.repository';
import { DELETE_EXPIRED_KEYS_SQL, DELETE_EXPIRED_TREES_SQL, WALK_START } from '../../libs/jobs/src/retention/retention.sql';

/**
 * Every periodic statement (reconciler, outbox dispatcher, delivery and channel-post
 * reconcilers, schedule loop) and the hot-path ones (claims, finishes, creates, gets, cancel)
 * must read the big tables through an index by construction, whatever the statistics say:
 * autovacuum is off here and analyze lags on a busy table. The database is filled with a
 * long history of finished work (generate_series, never analyzed), then each statement is
 * planned, by its exact text from the code, as a custom and as a generic plan (the plan cache
 * switches prepared statements to the latter).
 */
// How the driver turns a parameter into its text (no typings for this module of pg).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareValue } = require('pg/lib/utils') as { prepareValue(value: unknown): unknown };

const JOBS = Number(process.env.QUERY_PLANS_JOBS ?? 400_000);
const BIG_TABLES = ['jobs', 'tasks', 'job_events', 'channel_posts', 'webhook_deliveries', 'idempotency_keys', 'sessions', 'session_turns', 'session_messages'];

const id = (prefix: string, n: number) => `${prefix}_${String(n).padStart(26, '0')}`;
const JOB = id('job', 7);
const TASK = id('task', 7);
const SESSION = id('ses', 7);

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

interface Sent {
  text: string;
  values: unknown[];
}

/**
 * A DataSource stand-in that records what a service sends (db.query, a transaction's
 * em.query, or the pool that preparedQuery uses) and answers with `answer(text)`: how the
 * test gets the exact statements of services whose SQL is written inline.
 */
function recorder(answer: (text: string) => unknown[] = () => []) {
  const sent: Sent[] = [];
  const query = async (text: string, values: unknown[] = []) => {
    if (text === ORDERED_WALK) return []; // settings, not statements to plan (the walks apply them)
    sent.push({ text, values });
    return answer(text);
  };
  const ds = {
    query,
    manager: { query },
    transaction: async (fn: (em: { query: typeof query }) => Promise<unknown>) => fn({ query }),
    driver: { master: { query: async (q: { text: string; values: unknown[] }) => ({ rows: await query(q.text, q.values) }) } },
  };
  return { ds: ds as unknown as DataSource, sent };
}

const config = loadConfig({ DATABASE_URL: 'postgres://unused/unused' });

/** One dispatcher pass over one event of a job with a callback_url: peek, claim, jobs, 410 check, insert, mark. */
async function dispatcherPass(): Promise<Sent[]> {
  const event = { id: '1', job_id: JOB, org_id: 'bulk', to_status: 'COMPLETED', at: new Date(), reason: null };
  const job = {
    id: JOB, org_id: 'bulk', status: 'COMPLETED', result: {}, error: null, parent_job_id: null,
    callback_url: 'https://hooks.example.com/cb', observers: null, cancel_reason: null,
  };
  const r = recorder((text) => {
    if (text === OUTBOX_PEEK_SQL) return [{ id: '1' }];
    if (/FROM job_events\s+WHERE NOT dispatched/.test(text)) return [event];
    if (/FROM jobs WHERE id = ANY/.test(text)) return [job];
    return [];
  });
  await new EventDispatcherService(r.ds, new DeliveriesRepository(r.ds), new ObservedJobsRepository(r.ds), { enqueue: async () => undefined } as never).dispatchBatch();
  expect(r.sent).toHaveLength(6);
  return r.sent;
}

/** The statement of one batch of DELETE /services/agent-jobs with these filters. */
async function clearBatch(filters: Record<string, unknown>): Promise<Sent> {
  const r = recorder(() => [{ picked: 0, deleted: 0, last_key: null, last_id: null }]);
  await new JobRetentionRepository(r.ds).deleteOrgTrees('bulk', 'COMPLETED', filters, WALK_START, 200);
  return r.sent[0];
}

/** The first statement a StreamEventsRepository call sends. */
async function streamRead(call: (events: StreamEventsRepository) => Promise<unknown>): Promise<Sent> {
  const r = recorder(() => [{ snap: '1:1:', top: '0', recent: [], settled: [], id: null }]);
  await call(new StreamEventsRepository(r.ds));
  return r.sent[0];
}

/** The page statement (not the total) of GET /services/agent-jobs with this query. */
async function listPage(query: Partial<ListJobsQueryDto>): Promise<Sent> {
  const r = recorder(() => [{ n: '0' }]);
  const q = { limit: 50, offset: 0, sort: { field: 'created_at', direction: 'desc' }, ...query } as ListJobsQueryDto;
  await new JobListRepository(r.ds).page('bulk', q, undefined);
  return r.sent.find((s) => /_sort_key/.test(s.text))!;
}

/** Each statement as the code sends it: text and parameters. */
const STATEMENTS: Record<string, () => Promise<Sent>> = {
  // ---- periodic
  'reconciler: due tasks, first batch': async () => ({ text: DUE_TASKS_SQL, values: [5000, 500, null, null] }),
  'reconciler: due tasks, after the cursor': async () => ({ text: DUE_TASKS_SQL, values: [5000, 500, '2026-01-01 00:00:00.123456+00', TASK] }),
  'reconciler: hand back the tasks of dead workers': async () => ({ text: HAND_BACK_SQL, values: [['wrk_dead'], 500] }),
  'reconciler: time out jobs past their deadline': async () => ({ text: TIMEOUT_DUE_SQL, values: [200] }),
  'observers: anything to dispatch?': async () => ({ text: OUTBOX_PEEK_SQL, values: [] }),
  'observers: claim a batch of events': async () => (await dispatcherPass())[1],
  'observers: the events\' jobs': async () => (await dispatcherPass())[2],
  'observers: receivers that answered 410 Gone': async () => (await dispatcherPass())[3],
  'observers: mark the events dispatched': async () => (await dispatcherPass())[5],
  'observers: overdue webhook deliveries': async () => {
    const r = recorder();
    await new DeliveryReconcilerService(new DeliveriesRepository(r.ds), { enqueue: async () => undefined } as never).pass();
    return r.sent[0];
  },
  'channel posts: due posts': async () => {
    const r = recorder();
    await new ChannelPostsReconciler(new ChannelPostsRepository(r.ds, jobRecordSql, { written: () => undefined } as never), { enqueueMissing: async () => 0 } as never).pass();
    return r.sent[0];
  },
  'schedules: lock a due schedule': async () => {
    const r = recorder();
    await new ScheduleFiresRepository(r.ds).lockDue(r.ds.manager, new Date(), []);
    return r.sent[0];
  },
  'schedules: take over a pending fire': async () => {
    const r = recorder(() => [[]]);
    await new ScheduleFiresRepository(r.ds).claimPending(new Date(), new Date(), []);
    return r.sent[0];
  },
  'retention: finished trees past the cutoff, first batch': async () => ({ text: DELETE_EXPIRED_TREES_SQL, values: [30, WALK_START.key, WALK_START.id, 200] }),
  'retention: finished trees past the cutoff, after the key': async () => ({
    text: DELETE_EXPIRED_TREES_SQL, values: [30, '2026-01-01 00:00:00.123456+00', JOB, 200],
  }),
  'sessions: fail turns whose lease lapsed': async () => ({ text: FAIL_LAPSED_TURNS_SQL, values: [3_600_000, '{"code":"AGENT_UNAVAILABLE"}', 100] }),
  'sessions: sweep expired sessions': async () => ({ text: SWEEP_SESSIONS_SQL, values: [500] }),
  'streams: where the feed starts': async () => streamRead((e) => e.feedStart(1000)),
  'streams: a feed read': async () => streamRead((e) => e.feedRead(2 * JOBS - 100, 500, [2 * JOBS - 200], ['100:100:'])),
  'retention: expired idempotency keys': async () => ({ text: DELETE_EXPIRED_KEYS_SQL, values: [200] }),
  'clear: a batch of finished trees': async () => clearBatch({}),
  'clear: a batch of finished trees of a job type, created before': async () =>
    clearBatch({ job_type_id: 'echo', created_at_lte: new Date('2026-01-01T00:00:00Z') }),
  // ---- hot path
  'worker: claim tasks': async () => ({ text: CLAIM_SQL, values: [[JOB], [TASK], 'wrk_live', 5000] }),
  'worker: finish tasks': async () => ({
    text: FINISH_SQL,
    values: [[JOB], [TASK], ['COMPLETED'], ['{"a":1}'], [null], ['COMPLETED'], [true], ['{"a":1}'], [null], [false], ['worker'], [null],
      [null], [null], [null], [null], [1], ['{"prompt":1,"completion":2,"total":3}'], ['[]'], [1], ['Params: {}'], ['{"a":1}'], 3_600_000],
  }),
  'worker: wait for the callback': async () => ({ text: AWAIT_CALLBACK_SQL, values: [TASK, 1] }),
  'worker: hand a task back at shutdown': async () => ({ text: RELEASE_SQL, values: [TASK, 1] }),
  'worker: time out its own job': async () => ({ text: TIMEOUT_ONE_SQL, values: [JOB] }),
  'API: create jobs': async () => ({
    text: INSERT_JOBS_SQL,
    values: [['job_new'], ['bulk'], ['echo'], ['WAITING'], ['C0BULK'], ['{}'], ['{}'], ['{}'], [null], [new Date()], [new Date()],
      [null], [null], [null], ['token:x'], ['task_new'], [null]],
  }),
  'API: get a job': async () => {
    const r = recorder(() => [{ org_id: 'bulk', job: '{}' }]);
    await new JobsQueryService(new JobsReadRepository(r.ds), new JobListRepository(r.ds), new SignedCursors(config)).getJson('bulk', JOB);
    return r.sent[0];
  },
  'API: a job\'s events': async () => {
    const r = recorder(() => [{ id: JOB, org_id: 'bulk' }]);
    await new JobsQueryService(new JobsReadRepository(r.ds), new JobListRepository(r.ds), new SignedCursors(config)).events('bulk', JOB);
    return r.sent[1];
  },
  'API: cancel a job': async () => ({ text: CANCEL_SQL, values: [JOB, 'bulk', 'test', 'token:x'] }),
  'API: list jobs, newest first': async () => listPage({}),
  'API: list jobs of a status and a job type': async () => listPage({ status: ['COMPLETED'], job_type_id: 'echo' }),
  'API: list jobs of several statuses': async () => listPage({ status: ['WAITING', 'RUNNING', 'COMPLETED'] }),
  'API: list jobs created in a range': async () => listPage({ created_at_gte: new Date(Date.now() - 86_400_000), created_at_lte: new Date() }),
  'streams: replay of the org': async () => streamRead((e) => e.orgReplay('bulk', 0, 2 * JOBS, [], 500)),
  'streams: replay of a job': async () => streamRead((e) => e.jobReplay('bulk', JOB, 0, 2 * JOBS, [], 500)),
  'streams: a job\'s final state': async () => streamRead((e) => e.jobFinalState('bulk', JOB)),
  'sessions: claim a turn, with its history': async () => ({ text: CLAIM_SESSION_SQL, values: [SESSION, 'bulk', 'turn_new', null, null, 'hi', null, 30000] }),
  'channel posts: claim': async () => ({ text: postClaimSql(jobRecordSql), values: [[TASK], ['bulk'], [JOB], [30000]] }),
  'channel posts: finish': async () => ({ text: postFinishSql(jobRecordSql), values: [[JOB], ['bulk'], [TASK], ['DELIVERED'], ['1.2'], [null], [null], [null]] }),
};

/**
 * Periodic statements that walk a partial index up to a LIMIT in its key order: the index, and
 * whether the code runs them as an orderedWalk (SET LOCAL enable_sort = off).
 */
const ORDERED_WALKS: Record<string, [string, boolean]> = {
  'reconciler: due tasks, first batch': ['tasks_pending_due_idx', true],
  'reconciler: due tasks, after the cursor': ['tasks_pending_due_idx', true],
  'reconciler: time out jobs past their deadline': ['jobs_running_deadline_idx', true],
  'observers: anything to dispatch?': ['job_events_undispatched_idx', false],
  'observers: claim a batch of events': ['job_events_undispatched_idx', false],
  'observers: overdue webhook deliveries': ['webhook_deliveries_due_idx', true],
  'channel posts: due posts': ['channel_posts_due_walk_idx', true],
  'schedules: lock a due schedule': ['schedules_due_idx', false],
  'retention: finished trees past the cutoff, first batch': ['jobs_finished_roots_idx', true],
  'retention: finished trees past the cutoff, after the key': ['jobs_finished_roots_idx', true],
  'clear: a batch of finished trees': ['jobs_org_status_created_idx', true],
  'sessions: fail turns whose lease lapsed': ['session_turns_running_lease_idx', true],
  'sessions: sweep expired sessions': ['sessions_idle_expires_idx', true],
};

describe('query plans on a large, never-analyzed history', () => {
  let c: Client;
  let tableOfIndex: Map<string, string>;

  beforeAll(async () => {
    const db = await createTestDatabase();
    c = new Client({ connectionString: db.url });
    await c.connect();
    const started = Date.now();
    await load(db.url);
    console.log(`query plans: loaded ${JOBS} finished jobs (and as many tasks and channel posts, ${2 * JOBS} events, ${JOBS / 4} webhook deliveries, idempotency keys and sessions of one turn) in ${Date.now() - started} ms, no ANALYZE`);
    const { rows } = await c.query(`SELECT indexname, tablename FROM pg_indexes WHERE schemaname = 'public'`);
    tableOfIndex = new Map(rows.map((r) => [r.indexname, r.tablename]));
    const analyzed = await c.query(`SELECT count(*)::int AS n FROM pg_stats WHERE tablename = ANY($1)`, [BIG_TABLES]);
    expect(analyzed.rows[0].n).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await c?.end();
  });

  it('is large enough to matter: the outbox check as it was (a bare LIMIT 1) is planned as a sequential scan', async () => {
    const nodes = flatten(await plan(`SELECT 1 FROM job_events WHERE NOT dispatched LIMIT 1`, [], 'custom'));
    expect(nodes.map((n) => [n['Node Type'], n['Relation Name']])).toContainEqual(['Seq Scan', 'job_events']);
  });

  it.each(Object.keys(STATEMENTS))('%s', async (name) => {
    const { text, values } = await STATEMENTS[name]();
    expect(typeof text).toBe('string');
    for (const mode of ['custom', 'generic'] as const) {
      const nodes = flatten(await plan(text, values, mode));
      const seqScans = nodes.filter((n) => n['Node Type'] === 'Seq Scan' && BIG_TABLES.includes(n['Relation Name']!));
      expect({ mode, seqScans: seqScans.map((n) => n['Relation Name']) }).toEqual({ mode, seqScans: [] });
      // What it reads of the big tables, it reads through an index (a write-only statement reads none).
      const read = new Set(nodes.filter((n) => /Scan/.test(n['Node Type'])).map((n) => n['Relation Name'] ?? tableOfIndex.get(n['Index Name']!)));
      const viaIndex = new Set(nodes.filter((n) => n['Index Name']).map((n) => tableOfIndex.get(n['Index Name']!)));
      for (const table of BIG_TABLES) if (read.has(table)) expect({ mode, table, viaIndex: viaIndex.has(table) }).toEqual({ mode, table, viaIndex: true });
    }
  });

  // A periodic walk that stops at a LIMIT must read its partial index in key order: a Sort over
  // a bitmap scan visits every dead entry the never-vacuumed index keeps, on every pass.
  it.each(Object.keys(ORDERED_WALKS))('%s walks its index in key order', async (name) => {
    const [index, underSetting] = ORDERED_WALKS[name];
    const { text, values } = await STATEMENTS[name]();
    for (const mode of ['custom', 'generic'] as const) {
      if (underSetting) await c.query(ORDERED_WALK.replaceAll(' LOCAL', ''));
      const nodes = flatten(await plan(text, values, mode).finally(() => c.query('RESET enable_sort; RESET jit')));
      const scans = nodes.filter((n) => n['Index Name'] === index).map((n) => n['Node Type']);
      expect({ mode, index, scans }).toEqual({ mode, index, scans: [expect.stringMatching(/^Index (Only )?Scan$/)] });
    }
  });

  // Deleting a job runs, for each foreign key into jobs, a lookup of the referencing rows (the
  // cascades to its child rows; the check that no subjob is left): each needs an index led by its column.
  it('every foreign key into jobs has an index led by its column (retention\'s cascades)', async () => {
    const { rows } = await c.query(`
      SELECT con.conrelid::regclass::text AS tbl, a.attname AS col,
             EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = con.conrelid AND i.indkey[0] = con.conkey[1]) AS indexed
      FROM pg_constraint con JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
      WHERE con.contype = 'f' AND con.confrelid = 'jobs'::regclass ORDER BY 1, 2`);
    expect(rows.map((r) => r.tbl)).toEqual(expect.arrayContaining(['channel_posts', 'idempotency_keys', 'job_events', 'jobs', 'tasks', 'webhook_deliveries']));
    expect(rows.filter((r) => !r.indexed)).toEqual([]);
  });

  /** The plan Postgres picks for the statement with these parameters, as a custom or a generic plan. */
  async function plan(text: string, values: unknown[], mode: 'custom' | 'generic'): Promise<PlanNode> {
    await c.query(`SET plan_cache_mode = force_${mode}_plan`);
    await c.query(`PREPARE stmt AS ${text}`);
    try {
      const { rows: [{ types }] } = await c.query(`SELECT parameter_types::text[] AS types FROM pg_prepared_statements WHERE name = 'stmt'`);
      const args = values.map((v, i) => {
        const text = prepareValue(v);
        return text === null ? `NULL::${types[i]}` : `${c.escapeLiteral(String(text))}::${types[i]}`;
      });
      const { rows } = await c.query(`EXPLAIN (FORMAT JSON) EXECUTE stmt${args.length ? `(${args.join(', ')})` : ''}`);
      return rows[0]['QUERY PLAN'][0].Plan;
    } finally {
      await c.query('DEALLOCATE stmt');
    }
  }
});

function flatten(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(flatten)];
}

/**
 * A month of finished work: jobs with their task, two events, a delivered channel post, and
 * for a quarter of them a delivered webhook and an (expired) idempotency key. Foreign keys are not checked during the load
 * (session_replication_role), and the tables after jobs load side by side.
 */
async function load(url: string): Promise<void> {
  const session = async (sql: string) => {
    const s = new Client({ connectionString: url });
    await s.connect();
    try {
      await s.query(`SET session_replication_role = replica`);
      await s.query(sql);
    } finally {
      await s.end();
    }
  };
  const at = (g: string) => `now() - interval '30 days' + ${g} * interval '1 s'`;
  await session(`
    INSERT INTO orgs (id) VALUES ('bulk');
    INSERT INTO jobs (id, org_id, job_type_id, status, channel_code, target_channel, params, config, scheduled_at, started_at,
                      completed_at, deadline_at, created_at, updated_at, result, delivery)
    SELECT 'job_' || lpad(g::text, 26, '0'), 'bulk', 'echo', 'COMPLETED', 'C0BULK',
           '{"org_id":"bulk","platform":"slack","code":"C0BULK"}', '{"text":"x"}', '{"max_time_to_complete":3600}',
           ${at('g')}, ${at('g')}, ${at('g')}, ${at('g')} + interval '1 hour', ${at('g')}, ${at('g')}, '{"echo":{"text":"x"}}',
           '{"status":"DELIVERED","platform":"slack","channel":"C0BULK","ts":"1.2","attempts":1,"error":null}'
    FROM generate_series(1, ${JOBS}) g`);
  await Promise.all([
    session(`
      INSERT INTO tasks (id, job_id, org_id, kind, attempt, status, run_at, created_at, started_at, finished_at, claims, worker_id, result)
      SELECT 'task_' || lpad(g::text, 26, '0'), 'job_' || lpad(g::text, 26, '0'), 'bulk', 'initial', 1, 'COMPLETED',
             ${at('g')}, ${at('g')}, ${at('g')}, ${at('g')}, 1, 'wrk_old', '{"echo":{"text":"x"}}'
      FROM generate_series(1, ${JOBS}) g`),
    session(`
      INSERT INTO job_events (job_id, org_id, from_status, to_status, at, actor, dispatched)
      SELECT 'job_' || lpad(((g + 1) / 2)::text, 26, '0'), 'bulk', CASE WHEN g % 2 = 0 THEN 'RUNNING' ELSE 'WAITING' END,
             CASE WHEN g % 2 = 0 THEN 'COMPLETED' ELSE 'RUNNING' END, ${at('g / 2')}, 'worker', true
      FROM generate_series(1, ${2 * JOBS}) g`),
    session(`
      INSERT INTO channel_posts (task_id, job_id, org_id, seq, result, is_final, status, attempts, next_attempt_at, ts, created_at, updated_at)
      SELECT 'task_' || lpad(g::text, 26, '0'), 'job_' || lpad(g::text, 26, '0'), 'bulk', 1, '{"echo":{"text":"x"}}', true, 'DELIVERED', 1,
             ${at('g')}, '1.2', ${at('g')}, ${at('g')}
      FROM generate_series(1, ${JOBS}) g`),
    // A quarter as many sessions of one turn (two messages) each, idle and live.
    session(`
      INSERT INTO sessions (id, org_id, agent_type, ttl_hours, expires_at, turn_count, created_at, updated_at)
      SELECT 'ses_' || lpad(g::text, 26, '0'), 'bulk', 'echo', 24, ${at('4 * g')} + interval '60 days', 1, ${at('4 * g')}, ${at('4 * g')}
      FROM generate_series(1, ${JOBS / 4}) g;
      INSERT INTO session_turns (id, session_id, org_id, agent_type, status, message, response, started_at, finished_at)
      SELECT 'turn_' || lpad(g::text, 26, '0'), 'ses_' || lpad(g::text, 26, '0'), 'bulk', 'echo', 'complete', 'hi', 'echo: hi', ${at('4 * g')}, ${at('4 * g')}
      FROM generate_series(1, ${JOBS / 4}) g;
      INSERT INTO session_messages (session_id, org_id, role, content, turn_id, at)
      SELECT 'ses_' || lpad(((g + 1) / 2)::text, 26, '0'), 'bulk', CASE WHEN g % 2 = 1 THEN 'user' ELSE 'assistant' END, 'hi',
             'turn_' || lpad(((g + 1) / 2)::text, 26, '0'), ${at('2 * g')}
      FROM generate_series(1, ${JOBS / 2}) g`),
    session(`
      INSERT INTO idempotency_keys (org_id, key, request_hash, job_id, expires_at)
      SELECT 'bulk', 'key-' || g, 'hash', 'job_' || lpad((4 * g)::text, 26, '0'), ${at('4 * g')} + interval '1 day'
      FROM generate_series(1, ${JOBS / 4}) g`),
    session(`
      INSERT INTO webhook_deliveries (id, org_id, job_id, event_type, target, url, payload, status, attempts, created_at, updated_at)
      SELECT 'dlv_' || lpad(g::text, 26, '0'), 'bulk', 'job_' || lpad((4 * g)::text, 26, '0'), 'job.completed', 'callback_url',
             'https://hooks.example.com/x', '{}', 'SUCCEEDED', 1, ${at('4 * g')}, ${at('4 * g')}
      FROM generate_series(1, ${JOBS / 4}) g`),
  ]);
}
