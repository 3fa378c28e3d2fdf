import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { PoolClient } from 'pg';
import { ChannelDeliveryModule } from '../../libs/channels/src/delivery/channel-delivery.module';
import { ChannelPostsReconciler } from '../../libs/channels/src/delivery/channel-posts.reconciler';
import { ChannelPostsRepository } from '../../libs/channels/src/delivery/channel-posts.repository';
import { ChannelPostsService } from '../../libs/channels/src/delivery/channel-posts.service';
import { AppConfigModule } from '../../libs/common/src';
import { OutboundModule } from '../../libs/common/src/outbound.module';
import { DatabaseModule } from '../../libs/database/src';
import { QueueModule } from '../../libs/queue/src';
import { jobsApi } from '../support/jobs';
import { eventually, startTestApp, TestApp } from '../support/test-app';

/** The outbox without a processor or reconciler loop: the tests drive each step. */
@Module({})
class OutboxModule {
  static forRoot(env: NodeJS.ProcessEnv): DynamicModule {
    return { module: OutboxModule, imports: [AppConfigModule.forRoot(env), DatabaseModule, QueueModule, OutboundModule, ChannelDeliveryModule] };
  }
}

const LEASE_MS = 120_000;

/**
 * The channel_posts outbox statement by statement: one statement per operation, what the
 * claim leaves alone, the races a one-statement snapshot must not lose, and the Bull runs.
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
    expect((await t.http().post('/services/job-types').set(auth).send({ id: 'echo', name: 'Echo', executor: { type: 'builtin', name: 'echo' } })).status).toBe(201);
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
