import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { ChannelDeliveryModule } from '../../libs/channels/src/delivery/channel-delivery.module';
import { ChannelPostsReconciler } from '../../libs/channels/src/delivery/channel-posts.reconciler';
import { ChannelPostsRepository } from '../../libs/channels/src/delivery/channel-posts.repository';
import { ChannelPostsService } from '../../libs/channels/src/delivery/channel-posts.service';
import { AppConfigModule } from '../../libs/common/src';
import { OutboundModule } from '../../libs/common/src/outbound.module';
import { DatabaseModule } from '../../libs/database/src';
import { JobsPortsModule } from '../../libs/jobs/src/jobs-ports.module';
import { QueueModule } from '../../libs/queue/src';
import { createEchoJobType, jobsApi } from '../support/jobs';
import { eventually, startTestApp, TestApp } from '../support/test-app';

/** The outbox without a processor or reconciler loop: the tests drive each step. */
@Module({})
class OutboxModule {
  static forRoot(env: NodeJS.ProcessEnv): DynamicModule {
    return { module: OutboxModule, imports: [AppConfigModule.forRoot(env), DatabaseModule, QueueModule, OutboundModule, JobsPortsModule, ChannelDeliveryModule] };
  }
}

const LEASE_MS = 120_000;

/**
 * The channel_posts outbox statement by statement: one statement per operation (shared by the
 * operations of one turn of the event loop), what the claim leaves alone, the races a
 * one-statement snapshot must not lose, and the Bull runs.
 */
describe('channel posts outbox', () => {
  let t: TestApp;
  let ctx: INestApplicationContext;
  let repo: ChannelPostsRepository;
  const { orgWithToken, createJob } = jobsApi(() => t, { orgLabel: 'outbox', channelCode: 'COUTBOX' });
  let seq = 0;

  beforeAll(async () => {
    t = await startTestApp({ withWorker: false });
    ctx = await NestFactory.createApplicationContext(OutboxModule.forRoot(t.env), { logger: ['error'] });
    repo = ctx.get(ChannelPostsRepository);
  });
  // The reconciler scans every org: leave no open post behind for the next test.
  afterEach(async () => {
    await t.db.query(`DELETE FROM channel_posts`);
  });
  afterAll(async () => {
    await ctx?.close();
    await t?.close();
  });

  /** A job that does not run (scheduled in an hour) with `posts` in its outbox; ages are seconds ago. */
  async function jobWithPosts(posts: Array<{ status: string; attempts?: number; dueAgo?: number; createdAgo?: number; ts?: string }>) {
    const { org, auth } = await orgWithToken();
    await createEchoJobType(t, auth);
    const job = await createJob(auth, org, 'echo', { scheduled_at: new Date(Date.now() + 3600_000).toISOString() });
    const ids = posts.map(() => `task_outbox_${++seq}_${Date.now().toString(36)}`);
    for (const [i, p] of posts.entries()) {
      await t.db.query(
        `INSERT INTO channel_posts (task_id, job_id, org_id, seq, result, is_final, status, attempts, ts, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, '"r"', false, $5, $6, $7, now() - $8 * interval '1 second', now() - $9 * interval '1 second')`,
        [ids[i], job.job_id, org, i + 1, p.status, p.attempts ?? 0, p.ts ?? null, p.dueAgo ?? 1, p.createdAgo ?? p.dueAgo ?? 1],
      );
    }
    // What finishTask leaves on the job with its post.
    await t.db.query(
      `UPDATE jobs SET delivery = '{"status": "PENDING", "platform": "slack", "channel": "COUTBOX", "ts": null, "attempts": 0, "error": null}' WHERE id = $1`,
      [job.job_id],
    );
    return { org, jobId: job.job_id, ids };
  }

  const jobRow = async (jobId: string) =>
    (await t.db.query(`SELECT xmin::text AS version, delivery FROM jobs WHERE id = $1`, [jobId])).rows[0] as { version: string; delivery: Record<string, unknown> };
  const post = async (taskId: string) =>
    (await t.db.query(
      `SELECT status, attempts, ts, next_attempt_at > now() AS later, next_attempt_at = created_at AS fresh,
              floor(extract(epoch FROM next_attempt_at) * 1000)::bigint::text AS due_at_ms
       FROM channel_posts WHERE task_id = $1`, [taskId])).rows[0];
  const deliveryEvents = async (jobId: string) =>
    (await t.db.query(`SELECT task_id, reason FROM job_events WHERE job_id = $1 AND actor = 'delivery' ORDER BY id`, [jobId])).rows;

  const bullKey = (id: string) => `${t.env.QUEUE_PREFIX}:channel-posts:${id}`;
  /** Bull's addJob script counts every add, also those it drops for an existing id. */
  const adds = async () => Number((await t.redis.get(bullKey('id'))) ?? 0);

  /** Runs `during` while a transaction of another session holds `lock`'s locks, and commits it once `during` waits on them. */
  async function whileLocked<T>(lock: (c: PoolClient) => Promise<unknown>, during: () => Promise<T>): Promise<T> {
    const client = await t.db.connect();
    try {
      await client.query('BEGIN');
      await lock(client);
      const result = during();
      await eventually(async () => (await t.db.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rows[0].n > 0);
      await client.query('COMMIT');
      return await result;
    } finally {
      client.release();
    }
  }

  /** Runs `during` and counts the statements the outbox's own pool sent meanwhile (nothing else uses that pool here). */
  async function countingStatements<T>(during: () => Promise<T>): Promise<{ result: T; statements: number }> {
    const pool = (ctx.get(DataSource).driver as PostgresDriver).master as Pool;
    const spy = jest.spyOn(pool, 'query');
    try {
      const result = await during();
      return { result, statements: spy.mock.calls.length };
    } finally {
      spy.mockRestore();
    }
  }

  it('claims without touching the job row; posts go out in seq order, a blocked one deferred and kicked once by the earlier one', async () => {
    const { org, jobId, ids: [first, second] } = await jobWithPosts([{ status: 'PENDING' }, { status: 'PENDING' }]);
    const before = await jobRow(jobId);
    const addsBefore = await adds();

    // The second post's first run comes first: it waits, deferred, with no Bull run of its own.
    await ctx.get(ChannelPostsService).deliver({ org_id: org, job_id: jobId, task_id: second }, `post:${second}`);
    expect(await post(second)).toMatchObject({ status: 'PENDING', attempts: 0, later: true, fresh: false });
    expect(await adds()).toBe(addsBefore);

    const claim = await repo.claim(org, jobId, first, LEASE_MS);
    expect(claim).toMatchObject({ state: 'claimed', post: { task_id: first, seq: 1, attempts: 1, resumed: false }, threadTs: null, job: { id: jobId, org_id: org } });
    expect(await repo.claim(org, jobId, first, LEASE_MS)).toMatchObject({ state: 'busy' });
    expect(await repo.claim(org, jobId, second, LEASE_MS)).toEqual({ state: 'blocked' });
    expect(await jobRow(jobId)).toEqual(before);

    const finished = await repo.delivered(org, jobId, first, '1700000000.000100', 'delivered to slack COUTBOX');
    const kicked = await post(second);
    expect(kicked).toMatchObject({ status: 'PENDING', later: false });
    expect(finished).toEqual({ jobStatus: 'SCHEDULED', next: { task_id: second, job_id: jobId, org_id: org, due: { task_id: second, fresh: false, due_at_ms: kicked.due_at_ms } } });
    expect((await jobRow(jobId)).delivery).toEqual({ status: 'PENDING', platform: 'slack', channel: 'COUTBOX', ts: '1700000000.000100', attempts: 1, error: null });

    expect(await repo.claim(org, jobId, second, LEASE_MS)).toMatchObject({ state: 'claimed', post: { seq: 2, attempts: 1 }, threadTs: '1700000000.000100' });
    expect(await repo.delivered(org, jobId, second, '1700000000.000200', 'delivered to slack COUTBOX')).toEqual({ jobStatus: 'SCHEDULED', next: null });
    expect((await jobRow(jobId)).delivery).toEqual({ status: 'DELIVERED', platform: 'slack', channel: 'COUTBOX', ts: '1700000000.000100', attempts: 2, error: null });
    expect(await deliveryEvents(jobId)).toEqual([{ task_id: first, reason: 'delivered to slack COUTBOX' }, { task_id: second, reason: 'delivered to slack COUTBOX' }]);
    expect(await repo.claim(org, jobId, second, LEASE_MS)).toEqual({ state: 'done' });
  });

  it('retryLater and failed keep the summary (attempts over all posts, the error that matters) and name the next run by its due time', async () => {
    const { org, jobId, ids: [only] } = await jobWithPosts([{ status: 'PENDING' }]);
    await repo.claim(org, jobId, only, LEASE_MS);
    const retried = await repo.retryLater(org, jobId, only, 'PENDING', 60_000, { code: 'SLACK_HTTP_ERROR', message: 'HTTP 500' });
    expect(retried).toEqual({ due: { task_id: only, fresh: false, due_at_ms: (await post(only)).due_at_ms } });
    expect((await jobRow(jobId)).delivery).toMatchObject({ status: 'PENDING', attempts: 1, error: { code: 'SLACK_HTTP_ERROR', message: 'HTTP 500' } });
    expect(await deliveryEvents(jobId)).toEqual([]);
    // Not due: a duplicate run finds it busy, due when its retry is.
    expect(await repo.claim(org, jobId, only, LEASE_MS)).toMatchObject({ state: 'busy', due: retried!.due });
    // Only a SENDING post is retried or delivered.
    expect(await repo.retryLater(org, jobId, only, 'PENDING', 1000, { code: 'X', message: 'x' })).toBeNull();
    expect(await repo.delivered(org, jobId, only, null, 'nope')).toBeNull();

    expect(await repo.failed(org, jobId, only, { code: 'SLACK_CHANNEL_NOT_FOUND', message: 'channel_not_found' }, 'delivery failed: SLACK_CHANNEL_NOT_FOUND'))
      .toEqual({ jobStatus: 'SCHEDULED', next: null });
    expect((await jobRow(jobId)).delivery).toEqual({
      status: 'FAILED', platform: 'slack', channel: 'COUTBOX', ts: null, attempts: 1, error: { code: 'SLACK_CHANNEL_NOT_FOUND', message: 'channel_not_found' },
    });
  });

  it('a finish that waited for the job lock while finishTask added a post counts that post (the summary stays PENDING)', async () => {
    const { org, jobId, ids: [first] } = await jobWithPosts([{ status: 'PENDING' }]);
    await repo.claim(org, jobId, first, LEASE_MS);
    const finished = await whileLocked(
      async (c) => {
        await c.query(`UPDATE jobs SET updated_at = now() WHERE id = $1`, [jobId]);
        await c.query(
          `INSERT INTO channel_posts (task_id, job_id, org_id, seq, result, is_final, status) VALUES ($1, $2, $3, 2, '"late"', true, 'PENDING')`,
          [`${first}_late`, jobId, org],
        );
      },
      () => repo.delivered(org, jobId, first, '1700000000.000300', 'delivered to slack COUTBOX'),
    );
    // The new post was never handed back: its first run is queued, nothing to kick.
    expect(finished).toEqual({ jobStatus: 'SCHEDULED', next: null });
    expect((await jobRow(jobId)).delivery).toMatchObject({ status: 'PENDING', ts: '1700000000.000300', attempts: 1 });
    expect(await deliveryEvents(jobId)).toHaveLength(1);
  });

  it('a claim that read the earlier post as open in a snapshot older than its own row runs again and claims', async () => {
    const { org, jobId, ids: [first, second] } = await jobWithPosts([
      { status: 'SENDING', attempts: 1, dueAgo: -60 },
      { status: 'PENDING', dueAgo: 1, createdAgo: 10 },
    ]);
    // The earlier post is delivered and kicks this one while the claim waits for its row.
    const claim = await whileLocked(
      async (c) => {
        await c.query(`UPDATE channel_posts SET status = 'DELIVERED', ts = '1700000000.000400' WHERE task_id = $1`, [first]);
        await c.query(`UPDATE channel_posts SET next_attempt_at = now() WHERE task_id = $1`, [second]);
      },
      () => repo.claim(org, jobId, second, LEASE_MS),
    );
    expect(claim).toMatchObject({ state: 'claimed', post: { task_id: second, attempts: 1 }, threadTs: '1700000000.000400' });
  });

  it('claims and finishes of many jobs in one turn share one statement each; each caller gets its own post, ts, summary and event', async () => {
    // Job 0 has a second post, handed back before (not fresh): its first post's finish kicks it.
    const jobs = [await jobWithPosts([{ status: 'PENDING' }, { status: 'PENDING', dueAgo: 1, createdAgo: 10 }])];
    for (let i = 1; i < 6; i++) jobs.push(await jobWithPosts([{ status: 'PENDING' }]));
    const [j0, j1, j2, j3, j4, j5] = jobs;

    const claimed = await countingStatements(() => Promise.all([
      ...jobs.map((j) => repo.claim(j.org, j.jobId, j.ids[0], LEASE_MS)),
      repo.claim(j0.org, j0.jobId, j0.ids[1], LEASE_MS),
    ]));
    expect(claimed.statements).toBe(1);
    jobs.forEach((j, i) => expect(claimed.result[i]).toMatchObject({
      state: 'claimed', post: { task_id: j.ids[0], job_id: j.jobId, org_id: j.org, seq: 1, attempts: 1, resumed: false }, job: { id: j.jobId, org_id: j.org }, threadTs: null,
    }));
    // Its first post was open in the statement's snapshot (claimed by the same statement).
    expect(claimed.result[6]).toEqual({ state: 'blocked' });

    const error = { code: 'SLACK_HTTP_ERROR', message: 'HTTP 500' };
    const finished = await countingStatements(() => Promise.all([
      repo.delivered(j0.org, j0.jobId, j0.ids[0], '1700000001.000001', 'delivered j0'),
      repo.delivered(j1.org, j1.jobId, j1.ids[0], '1700000001.000002', 'delivered j1'),
      repo.delivered(j2.org, j2.jobId, j2.ids[0], '1700000001.000003', 'delivered j2'),
      repo.failed(j3.org, j3.jobId, j3.ids[0], { code: 'SLACK_CHANNEL_NOT_FOUND', message: 'channel_not_found' }, 'failed j3'),
      repo.retryLater(j4.org, j4.jobId, j4.ids[0], 'PENDING', 60_000, error),
      repo.delivered(j5.org, j5.jobId, j5.ids[0], null, 'delivered j5'),
    ]));
    expect(finished.statements).toBe(1);
    const kicked = await post(j0.ids[1]);
    expect(kicked).toMatchObject({ status: 'PENDING', later: false });
    expect(finished.result).toEqual([
      { jobStatus: 'SCHEDULED', next: { task_id: j0.ids[1], job_id: j0.jobId, org_id: j0.org, due: { task_id: j0.ids[1], fresh: false, due_at_ms: kicked.due_at_ms } } },
      { jobStatus: 'SCHEDULED', next: null },
      { jobStatus: 'SCHEDULED', next: null },
      { jobStatus: 'SCHEDULED', next: null },
      { due: { task_id: j4.ids[0], fresh: false, due_at_ms: (await post(j4.ids[0])).due_at_ms } },
      { jobStatus: 'SCHEDULED', next: null },
    ]);

    const summary = (status: string, ts: string | null, err: unknown = null) => ({ status, platform: 'slack', channel: 'COUTBOX', ts, attempts: 1, error: err });
    expect((await jobRow(j0.jobId)).delivery).toEqual(summary('PENDING', '1700000001.000001'));
    expect((await jobRow(j1.jobId)).delivery).toEqual(summary('DELIVERED', '1700000001.000002'));
    expect((await jobRow(j2.jobId)).delivery).toEqual(summary('DELIVERED', '1700000001.000003'));
    expect((await jobRow(j3.jobId)).delivery).toEqual(summary('FAILED', null, { code: 'SLACK_CHANNEL_NOT_FOUND', message: 'channel_not_found' }));
    expect((await jobRow(j4.jobId)).delivery).toEqual(summary('PENDING', null, error));
    expect((await jobRow(j5.jobId)).delivery).toEqual(summary('DELIVERED', null));
    expect(await post(j4.ids[0])).toMatchObject({ status: 'PENDING', later: true });

    expect(await deliveryEvents(j0.jobId)).toEqual([{ task_id: j0.ids[0], reason: 'delivered j0' }]);
    expect(await deliveryEvents(j1.jobId)).toEqual([{ task_id: j1.ids[0], reason: 'delivered j1' }]);
    expect(await deliveryEvents(j2.jobId)).toEqual([{ task_id: j2.ids[0], reason: 'delivered j2' }]);
    expect(await deliveryEvents(j3.jobId)).toEqual([{ task_id: j3.ids[0], reason: 'failed j3' }]);
    expect(await deliveryEvents(j4.jobId)).toEqual([]);
    expect(await deliveryEvents(j5.jobId)).toEqual([{ task_id: j5.ids[0], reason: 'delivered j5' }]);

    // The kicked post is claimed in its thread.
    expect(await repo.claim(j0.org, j0.jobId, j0.ids[1], LEASE_MS)).toMatchObject({ state: 'claimed', post: { seq: 2 }, threadTs: '1700000001.000001' });
  });

  it('the same post twice in one turn is claimed and finished once (the second copy in a later statement); two posts of one job in one turn finish one after the other', async () => {
    const a = await jobWithPosts([{ status: 'PENDING' }]);
    const b = await jobWithPosts([{ status: 'PENDING' }]);
    const claims = await Promise.all([
      repo.claim(a.org, a.jobId, a.ids[0], LEASE_MS), repo.claim(a.org, a.jobId, a.ids[0], LEASE_MS), repo.claim(b.org, b.jobId, b.ids[0], LEASE_MS),
    ]);
    expect(claims.slice(0, 2).map((c) => c.state).sort()).toEqual(['busy', 'claimed']);
    expect(claims[2]).toMatchObject({ state: 'claimed', post: { task_id: b.ids[0], attempts: 1 } });
    expect(await post(a.ids[0])).toMatchObject({ status: 'SENDING', attempts: 1 });

    const finished = await Promise.all([
      repo.delivered(a.org, a.jobId, a.ids[0], '1700000002.000001', 'first copy'),
      repo.delivered(a.org, a.jobId, a.ids[0], '1700000002.000002', 'second copy'),
      repo.delivered(b.org, b.jobId, b.ids[0], '1700000002.000003', 'delivered b'),
    ]);
    const winner = finished[0] ? 0 : 1;
    expect(finished.slice(0, 2).filter(Boolean)).toEqual([{ jobStatus: 'SCHEDULED', next: null }]);
    expect(finished[2]).toEqual({ jobStatus: 'SCHEDULED', next: null });
    expect(await deliveryEvents(a.jobId)).toEqual([{ task_id: a.ids[0], reason: ['first copy', 'second copy'][winner] }]);
    expect((await jobRow(a.jobId)).delivery).toMatchObject({ status: 'DELIVERED', ts: `1700000002.00000${winner + 1}`, attempts: 1 });
    expect((await jobRow(b.jobId)).delivery).toMatchObject({ status: 'DELIVERED', ts: '1700000002.000003', attempts: 1 });

    // One statement would count each of them open in the other's summary: they run alone, in the job lock's order.
    const c = await jobWithPosts([{ status: 'SENDING', attempts: 1, dueAgo: -60 }, { status: 'PENDING' }]);
    const both = await Promise.all([
      repo.delivered(c.org, c.jobId, c.ids[0], '1700000002.000004', 'delivered c1'),
      repo.failed(c.org, c.jobId, c.ids[1], { code: 'SLACK_IS_ARCHIVED', message: 'is_archived' }, 'failed c2'),
    ]);
    expect(both.every(Boolean)).toBe(true);
    expect((await jobRow(c.jobId)).delivery).toEqual({
      status: 'FAILED', platform: 'slack', channel: 'COUTBOX', ts: '1700000002.000004', attempts: 1, error: { code: 'SLACK_IS_ARCHIVED', message: 'is_archived' },
    });
    expect((await deliveryEvents(c.jobId)).map((e: { reason: string }) => e.reason).sort()).toEqual(['delivered c1', 'failed c2']);
  });

  it('in a batch, a claim whose row changed after the snapshot runs again alone; the others keep their claim', async () => {
    const a = await jobWithPosts([
      { status: 'SENDING', attempts: 1, dueAgo: -60 },
      { status: 'PENDING', dueAgo: 1, createdAgo: 10 },
    ]);
    const others = [await jobWithPosts([{ status: 'PENDING' }]), await jobWithPosts([{ status: 'PENDING' }])];
    const { result: claims, statements } = await countingStatements(() => whileLocked(
      async (c) => {
        await c.query(`UPDATE channel_posts SET status = 'DELIVERED', ts = '1700000003.000001' WHERE task_id = $1`, [a.ids[0]]);
        await c.query(`UPDATE channel_posts SET next_attempt_at = now() WHERE task_id = $1`, [a.ids[1]]);
      },
      () => Promise.all([a, ...others].map((j, i) => repo.claim(j.org, j.jobId, j.ids[i === 0 ? 1 : 0], LEASE_MS))),
    ));
    expect(claims[0]).toMatchObject({ state: 'claimed', post: { task_id: a.ids[1], attempts: 1 }, threadTs: '1700000003.000001' });
    others.forEach((o, i) => expect(claims[i + 1]).toMatchObject({ state: 'claimed', post: { task_id: o.ids[0], attempts: 1 } }));
    // The batch, then the stale claim alone.
    expect(statements).toBe(2);
  });

  it('in a batch, a finish whose job row changed while it waited for the lock runs again alone; the other jobs keep their answer', async () => {
    const a = await jobWithPosts([{ status: 'PENDING' }]);
    const b = await jobWithPosts([{ status: 'PENDING' }]);
    await Promise.all([repo.claim(a.org, a.jobId, a.ids[0], LEASE_MS), repo.claim(b.org, b.jobId, b.ids[0], LEASE_MS)]);
    const { result: finished, statements } = await countingStatements(() => whileLocked(
      async (c) => {
        await c.query(`UPDATE jobs SET updated_at = now() WHERE id = $1`, [a.jobId]);
        await c.query(
          `INSERT INTO channel_posts (task_id, job_id, org_id, seq, result, is_final, status) VALUES ($1, $2, $3, 2, '"late"', true, 'PENDING')`,
          [`${a.ids[0]}_late`, a.jobId, a.org],
        );
      },
      () => Promise.all([
        repo.delivered(a.org, a.jobId, a.ids[0], '1700000004.000001', 'delivered a'),
        repo.delivered(b.org, b.jobId, b.ids[0], '1700000004.000002', 'delivered b'),
      ]),
    ));
    expect(finished).toEqual([{ jobStatus: 'SCHEDULED', next: null }, { jobStatus: 'SCHEDULED', next: null }]);
    expect(statements).toBe(2);
    // The late post counts: still PENDING.
    expect((await jobRow(a.jobId)).delivery).toMatchObject({ status: 'PENDING', ts: '1700000004.000001', attempts: 1 });
    expect((await jobRow(b.jobId)).delivery).toMatchObject({ status: 'DELIVERED', ts: '1700000004.000002', attempts: 1 });
    expect(await deliveryEvents(a.jobId)).toEqual([{ task_id: a.ids[0], reason: 'delivered a' }]);
    expect(await deliveryEvents(b.jobId)).toEqual([{ task_id: b.ids[0], reason: 'delivered b' }]);
  });

  it('the reconciler puts an overdue post Bull lost back once, under the id its state names, not on every pass', async () => {
    const { org, ids: [interrupted, neverRun] } = await jobWithPosts([
      // A worker died mid-attempt (lease over), and a first run Redis lost.
      { status: 'SENDING', attempts: 1, dueAgo: 5, createdAgo: 10 },
      { status: 'PENDING', dueAgo: 5 },
    ]);
    const reconciler = ctx.get(ChannelPostsReconciler);
    const expected = [bullKey(`post:${interrupted}:t${(await post(interrupted)).due_at_ms}`), bullKey(`post:${neverRun}`)];
    const queued = async () => (await Promise.all(expected.map((k) => t.redis.exists(k)))).every((n) => n === 1);
    const addsBefore = await adds();

    await reconciler.pass();
    expect(await queued()).toBe(true);
    expect(await adds()).toBe(addsBefore + 2);
    await reconciler.pass();
    await reconciler.pass();
    expect(await adds()).toBe(addsBefore + 2);
    expect(await t.redis.hget(expected[1], 'data')).toBe(JSON.stringify({ org_id: org, job_id: (await t.db.query(`SELECT job_id FROM channel_posts WHERE task_id = $1`, [neverRun])).rows[0].job_id, task_id: neverRun }));

    // Redis loses them after the reconciler saw them queued: they are back within its recheck period, once.
    await t.redis.del(...expected, bullKey('wait'));
    await eventually(async () => {
      await reconciler.pass();
      return queued();
    }, 20_000, 250);
    expect(await adds()).toBe(addsBefore + 4);
  });
});
