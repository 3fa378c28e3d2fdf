import type { Pool } from 'pg';
import { Child, startWorkerProcess } from '../support/processes';
import { childRows, eachChild, seedJob, storedJobs } from '../support/retention-seed';
import { eventually, newOrg, startTestApp, TestApp } from '../support/test-app';

/**
 * The worker's retention on a history written through SQL with old timestamps: exactly the
 * finished trees whose root completed before RETENTION_DAYS go, with every child row, and the
 * expired idempotency keys and sessions; nothing else. Batches of 2, so a pass takes several.
 */
const RETENTION = { RETENTION_DAYS: '30', RETENTION_BATCH_SIZE: '2', RETENTION_INTERVAL_MS: '200', SESSION_SWEEP_INTERVAL_MS: '200' };

async function seedSession(db: Pool, org: string, expiresInHours: number): Promise<string> {
  const id = `ses_${newOrg('s').replace(/\W/g, '')}`;
  await db.query(`INSERT INTO orgs (id) VALUES ($1) ON CONFLICT DO NOTHING`, [org]);
  await db.query(
    `WITH s AS (
       INSERT INTO sessions (id, org_id, agent_type, ttl_hours, expires_at) VALUES ($1, $2, 'talker', 24, now() + $3::int * interval '1 hour')
     ), t AS (
       INSERT INTO session_turns (id, session_id, org_id, agent_type, status, message, finished_at)
       VALUES ($1 || '_turn', $1, $2, 'talker', 'complete', 'hi', now())
     )
     INSERT INTO session_messages (session_id, org_id, role, content) VALUES ($1, $2, 'user', 'hi')`,
    [id, org, expiresInHours],
  );
  return id;
}

const storedSessions = async (db: Pool, ids: string[]) =>
  (await db.query(`SELECT id FROM sessions WHERE id = ANY($1) ORDER BY id`, [ids])).rows.map((r) => r.id);

describe('retention in the worker', () => {
  let t: TestApp;
  let worker: Child | undefined;
  // No worker in this app: the history is seeded first, then a worker process starts on it.
  beforeAll(async () => { t = await startTestApp({ withWorker: false }); });
  afterAll(async () => {
    await worker?.stop();
    await t?.close();
  });

  it('deletes the finished trees past RETENTION_DAYS with their child rows, expired keys and sessions; nothing else', async () => {
    const db = t.db;
    const a = newOrg('ret-a');
    const b = newOrg('ret-b');
    const gone: string[] = [];
    const kept: string[] = [];
    for (const status of ['COMPLETED', 'FAILED', 'CANCELED', 'COMPLETED', 'FAILED'] as const) gone.push(await seedJob(db, { org: a, status, daysAgo: 40 }));
    gone.push(await seedJob(db, { org: b, status: 'COMPLETED', daysAgo: 31 }));
    // An old finished root takes its whole tree, a subjob finished yesterday and a grand-subjob included.
    const root = await seedJob(db, { org: a, status: 'COMPLETED', daysAgo: 45 });
    const sub = await seedJob(db, { org: a, status: 'FAILED', daysAgo: 1, parent: root });
    const subsub = await seedJob(db, { org: a, status: 'CANCELED', daysAgo: 1, parent: sub });
    gone.push(root, sub, subsub);
    // An old root with a subjob still running keeps its tree (the walk goes past it each round).
    const busyRoot = await seedJob(db, { org: a, status: 'COMPLETED', daysAgo: 50 });
    const running = await seedJob(db, { org: a, status: 'RUNNING', daysAgo: 50, parent: busyRoot });
    // A recent root keeps an old subjob: a subjob never goes on its own.
    const recentRoot = await seedJob(db, { org: a, status: 'COMPLETED', daysAgo: 5 });
    const oldSub = await seedJob(db, { org: a, status: 'COMPLETED', daysAgo: 60, parent: recentRoot });
    kept.push(busyRoot, running, recentRoot, oldSub);
    // Unfinished jobs however old, recent finished ones, the other org's recent one.
    for (const status of ['WAITING', 'SCHEDULED', 'RUNNING'] as const) kept.push(await seedJob(db, { org: a, status, daysAgo: 90 }));
    kept.push(await seedJob(db, { org: a, status: 'COMPLETED', daysAgo: 29 }));
    kept.push(await seedJob(db, { org: b, status: 'FAILED', daysAgo: 2 }));
    // A kept job whose key expired: the key goes, the job stays.
    const expiredKeyJob = await seedJob(db, { org: b, status: 'COMPLETED', daysAgo: 3, keyExpiresInHours: -1 });
    kept.push(expiredKeyJob);
    const expiredSessions = [await seedSession(db, a, -1), await seedSession(db, b, -2)];
    const liveSessions = [await seedSession(db, a, 5)];

    worker = startWorkerProcess({ ...t.env, ...RETENTION });
    await eventually(async () => (await storedJobs(t.db, gone)).length === 0
      && (await storedSessions(t.db, expiredSessions)).length === 0
      && (await t.db.query(`SELECT 1 FROM idempotency_keys WHERE job_id = $1`, [expiredKeyJob])).rowCount === 0, 20_000);

    expect(await childRows(t.db, gone)).toEqual(eachChild(0));
    expect(await storedJobs(t.db, kept)).toEqual([...kept].sort());
    expect(await childRows(t.db, kept)).toEqual({ ...eachChild(kept.length), idempotency_keys: kept.length - 1 });
    expect(await storedSessions(t.db, liveSessions)).toEqual(liveSessions);
    const sessionRows = await t.db.query(
      `SELECT (SELECT count(*) FROM session_turns WHERE session_id = ANY($1))::int AS turns,
              (SELECT count(*) FROM session_messages WHERE session_id = ANY($1))::int AS messages`, [expiredSessions]);
    expect(sessionRows.rows[0]).toEqual({ turns: 0, messages: 0 });
  });

  it('RETENTION_DAYS=0 keeps every job however old; expired keys still go (which shows the passes ran)', async () => {
    await worker?.stop();
    const org = newOrg('ret-keep');
    const old = [
      await seedJob(t.db, { org, status: 'COMPLETED', daysAgo: 400 }),
      await seedJob(t.db, { org, status: 'CANCELED', daysAgo: 4000, keyExpiresInHours: -5 }),
    ];
    old.push(await seedJob(t.db, { org, status: 'FAILED', daysAgo: 400, parent: old[0] }));
    worker = startWorkerProcess({ ...t.env, ...RETENTION, RETENTION_DAYS: '0' });
    await eventually(async () => (await t.db.query(`SELECT 1 FROM idempotency_keys WHERE job_id = $1`, [old[1]])).rowCount === 0, 20_000);
    expect(await storedJobs(t.db, old)).toEqual([...old].sort());
    expect(await childRows(t.db, old)).toEqual({ ...eachChild(old.length), idempotency_keys: old.length - 1 });
  });
});
