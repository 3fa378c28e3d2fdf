import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { WorkerModule } from '../../apps/worker/worker.module';
import { ChannelPostQueue } from '../../libs/queue/src';
import { createEchoJobType } from '../support/jobs';
import { SlackServer, startSlackServer } from '../support/slack-server';
import { bearer, eventually, newOrg, startTestApp, TestApp } from '../support/test-app';
import { REDIS_URL } from '../support/test-env';

type Auth = Record<string, string>;

/**
 * The first run of a post whose task finished in the worker's own process skips Bull
 * (LocalPostRuns); a post that process never ran (it died after the task's finish
 * committed) is delivered by the channel-post reconciler, once.
 */
describe('Channel posts run in the worker that finished the task', () => {
  let slack: SlackServer;
  let t: TestApp;
  let events: Redis;
  const published: string[] = [];

  beforeAll(async () => {
    slack = await startSlackServer();
    t = await startTestApp({ env: { SLACK_API_URL: `${slack.url}/api/` } });
    // Bull announces every add on Redis pub/sub (waiting@<token>, delayed): what went through Bull.
    events = new Redis(REDIS_URL);
    await events.psubscribe(`bull:${t.env.QUEUE_PREFIX}:*`, `${t.env.QUEUE_PREFIX}:*`);
    events.on('pmessage', (_pattern, channel) => published.push(channel));
  });
  afterAll(async () => {
    events?.disconnect();
    await t?.close();
    await slack?.close();
  });

  async function orgWithSlack(): Promise<{ org: string; auth: Auth }> {
    const org = newOrg('localpost');
    const auth = bearer(await t.token(org, { SERVICES: 'ADMIN' }));
    slack.addToken(`xoxb-${org}`, { team_id: `T${org.slice(-8).toUpperCase()}`, team_name: `team-${org}` });
    await createEchoJobType(t, auth);
    expect((await t.http().put('/services/integrations/slack').set(auth).send({ bot_token: `xoxb-${org}` })).status).toBe(200);
    return { org, auth };
  }

  const createJob = async (auth: Auth, org: string, channel: string) => {
    const res = await t.http().post('/services/agent-jobs').set(auth)
      .send({ target_channel: { org_id: org, platform: 'slack', code: channel }, job_type_id: 'echo', params: { n: 1 } });
    expect(res.status).toBe(201);
    return res.body.data.job_id as string;
  };

  const deliveredJob = (auth: Auth, id: string, timeoutMs = 10_000) => eventually(async () => {
    const job = (await t.http().get(`/services/agent-jobs/${id}`).set(auth)).body.data;
    return job.delivery?.status === 'DELIVERED' && job;
  }, timeoutMs);

  it('delivers without adding the post to Bull (the task itself went through Bull)', async () => {
    const { org, auth } = await orgWithSlack();
    published.length = 0;
    const jobId = await createJob(auth, org, 'C0LOCAL1');
    await deliveredJob(auth, jobId);
    expect(slack.messagesIn('C0LOCAL1')).toHaveLength(1);
    // The listener hears Bull: the task's add was announced on the agent-tasks queue.
    await eventually(async () => published.some((c) => c.includes(':agent-tasks:')), 2000);
    expect(published.filter((c) => c.includes(':channel-posts:'))).toEqual([]);
  });

  it('a post its worker never ran (died after the finish) is delivered by the reconciler, once', async () => {
    const { org, auth } = await orgWithSlack();
    const producer = t.app.get(ChannelPostQueue);
    published.length = 0;
    const lost: string[] = [];
    // The process "dies" between the task's commit and the post's run: the post is taken and dropped.
    const worker = producer.useLocalRunner({ tryRun: (post) => { lost.push(post.task_id); return true; } });
    expect(worker).not.toBeNull();
    let jobId: string;
    try {
      jobId = await createJob(auth, org, 'C0LOCAL2');
      await eventually(async () => lost.length === 1, 10_000);
    } finally {
      producer.useLocalRunner(worker);
    }
    const pending = await t.db.query(`SELECT status FROM channel_posts WHERE task_id = $1`, [lost[0]]);
    expect(pending.rows).toEqual([{ status: 'PENDING' }]);

    const job = await deliveredJob(auth, jobId, 15_000);
    expect(job.delivery.attempts).toBe(1);
    expect(slack.messagesIn('C0LOCAL2')).toHaveLength(1);
    // It went through Bull this time, under the first run's id.
    expect(published.some((c) => c.includes(':channel-posts:'))).toBe(true);
  });
});

describe('A worker shutting down', () => {
  let slack: SlackServer;
  let t: TestApp;

  beforeAll(async () => {
    slack = await startSlackServer();
    t = await startTestApp({ withWorker: false, env: { SLACK_API_URL: `${slack.url}/api/`, SHUTDOWN_GRACE_MS: '8000' } });
  });
  afterAll(async () => {
    await t?.close();
    await slack?.close();
  });

  it('lets the posts it runs itself finish: delivered, not left SENDING for the reconciler', async () => {
    const org = newOrg('localdrain');
    const auth = bearer(await t.token(org, { SERVICES: 'ADMIN' }));
    slack.addToken(`xoxb-${org}`, { team_id: `T${org.slice(-8).toUpperCase()}`, team_name: `team-${org}` });
    await createEchoJobType(t, auth);
    expect((await t.http().put('/services/integrations/slack').set(auth).send({ bot_token: `xoxb-${org}` })).status).toBe(200);
    const worker = await NestFactory.createApplicationContext(WorkerModule.forRoot({ ...t.env }), { logger: ['error'] });
    slack.script('C0DRAIN1', 'slow:4000');
    const res = await t.http().post('/services/agent-jobs').set(auth)
      .send({ target_channel: { org_id: org, platform: 'slack', code: 'C0DRAIN1' }, job_type_id: 'echo', params: { n: 1 } });
    expect(res.status).toBe(201);
    // The only worker has the post in flight (Slack holds the call): now it shuts down.
    await eventually(async () => slack.callsOf('chat.postMessage', 'C0DRAIN1').length === 1, 10_000);
    const closing = Date.now();
    await worker.close();
    expect(Date.now() - closing).toBeGreaterThanOrEqual(3000);

    const posts = await t.db.query(`SELECT status, attempts FROM channel_posts WHERE job_id = $1`, [res.body.data.job_id]);
    expect(posts.rows).toEqual([{ status: 'DELIVERED', attempts: 1 }]);
    const job = (await t.http().get(`/services/agent-jobs/${res.body.data.job_id}`).set(auth)).body.data;
    expect(job.delivery).toMatchObject({ status: 'DELIVERED', attempts: 1 });
    expect(slack.messagesIn('C0DRAIN1')).toHaveLength(1);
  });
});
