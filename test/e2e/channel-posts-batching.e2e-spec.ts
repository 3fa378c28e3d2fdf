import { ChannelPostsService } from '../../libs/channels/src/delivery/channel-posts.service';
import { createEchoJobType } from '../support/jobs';
import { SlackServer, startSlackServer } from '../support/slack-server';
import { bearer, eventually, inAnHour, newOrg, startTestApp, TestApp } from '../support/test-app';
import { startWebhookReceiver, WebhookReceiver } from '../support/webhook-receiver';

type Auth = Record<string, string>;
interface Delivery { status: string; platform: string; channel: string; ts: string | null; attempts: number; error: { code: string; message: string } | null }
interface JobEvent { from: string | null; to: string; actor: string; reason: string | null; task_id: string | null }

/**
 * Claims and finishes of channel posts that reach the repository together share one statement
 * (channel-posts-outbox.e2e-spec.ts checks the statements themselves). Through the whole
 * worker: each post still gets its own outcome, and a post woken twice at once goes out once.
 */
describe('channel posts delivered side by side', () => {
  let slack: SlackServer;
  let receiver: WebhookReceiver;
  let t: TestApp;
  let org: string;
  let auth: Auth;

  beforeAll(async () => {
    [slack, receiver] = await Promise.all([startSlackServer(), startWebhookReceiver()]);
    t = await startTestApp({ env: { SLACK_API_URL: `${slack.url}/api/`, DELIVERY_BACKOFF_BASE_MS: '20' } });
    org = newOrg('post-batch');
    auth = bearer(await t.token(org, { SERVICES: 'ADMIN' }));
    const botToken = `xoxb-${org}`;
    slack.addToken(botToken, { team_id: 'TBATCH', team_name: 'batch' });
    await createEchoJobType(t, auth);
    expect((await t.http().put('/services/integrations/slack').set(auth).send({ bot_token: botToken })).status).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([slack?.close(), receiver?.close()]);
  });

  async function create(target: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    const res = await t.http().post('/services/agent-jobs').set(auth).send({ target_channel: { org_id: org, ...target }, job_type_id: 'echo', ...extra });
    expect(res.status).toBe(201);
    return res.body.data as { job_id: string; tasks: Array<{ task_id: string }> };
  }
  const getJob = async (id: string) => (await t.http().get(`/services/agent-jobs/${id}`).set(auth)).body.data as { delivery: Delivery | null; tasks: Array<{ task_id: string }> };
  const deliveryEvents = async (id: string) =>
    ((await t.http().get(`/services/agent-jobs/${id}/events`).set(auth)).body.data as JobEvent[]).filter((e) => e.actor === 'delivery');

  it('many jobs\' posts at once: each gets its own ts, summary and event; a webhook channel answering 500 among them fails alone', async () => {
    const channels = ['C0PBATCH1', 'C0PBATCH2', 'C0PBATCH3'];
    const failing = receiver.endpoint('fail');
    const targets: Array<Record<string, unknown>> = Array.from({ length: 30 }, (_, i) => ({ platform: 'slack', code: channels[i % channels.length] }));
    targets.splice(13, 0, { platform: 'webhook', code: 'hook-fail', data: { url: failing.url } });
    const created = await Promise.all(targets.map((target, i) => create(target, { params: { i } })));

    const jobs = await Promise.all(created.map((c) => eventually(async () => {
      const job = await getJob(c.job_id);
      return job.delivery && job.delivery.status !== 'PENDING' && job;
    }, 30_000, 100)));

    for (const [i, job] of jobs.entries()) {
      const taskId = created[i].tasks[0].task_id;
      const events = await deliveryEvents(created[i].job_id);
      if (targets[i].platform === 'webhook') {
        expect(job.delivery).toEqual({
          status: 'FAILED', platform: 'webhook', channel: 'hook-fail', ts: null, attempts: 5, error: { code: 'WEBHOOK_HTTP_ERROR', message: expect.any(String) },
        });
        expect(events).toEqual([expect.objectContaining({ task_id: taskId, reason: 'delivery failed: WEBHOOK_HTTP_ERROR after 5 attempts' })]);
        expect(receiver.forPath(failing.path)).toHaveLength(5);
        continue;
      }
      const code = String(targets[i].code);
      const messages = slack.messagesIn(code).filter((m) => m.metadata?.event_payload.task_id === taskId);
      expect(messages).toHaveLength(1);
      expect(messages[0].metadata!.event_payload.job_id).toBe(created[i].job_id);
      expect(job.delivery).toEqual({ status: 'DELIVERED', platform: 'slack', channel: code, ts: messages[0].ts, attempts: 1, error: null });
      expect(events).toEqual([expect.objectContaining({ task_id: taskId, reason: `delivered to slack ${code} ts=${messages[0].ts}` })]);
    }
    expect(new Set(jobs.map((j) => j.delivery!.ts).filter(Boolean)).size).toBe(30);
  });

  it('a post woken twice in one turn (next to another job\'s post) is claimed once and posted once', async () => {
    const service = t.app.get(ChannelPostsService);
    // Jobs that do not run: their posts are put in the outbox here, and run by the test only.
    const jobs = [await create({ platform: 'slack', code: 'C0PDUP1' }, { scheduled_at: inAnHour() }), await create({ platform: 'slack', code: 'C0PDUP2' }, { scheduled_at: inAnHour() })];
    const posts = jobs.map((j) => ({ org_id: org, job_id: j.job_id, task_id: `task_dup_${j.job_id}` }));
    for (const p of posts) {
      await t.db.query(
        `INSERT INTO channel_posts (task_id, job_id, org_id, seq, result, is_final, status) VALUES ($1, $2, $3, 1, '{"n": 1}', true, 'PENDING')`,
        [p.task_id, p.job_id, p.org_id],
      );
    }
    const [dup, other] = posts;
    await Promise.all([
      service.deliver(dup, `post:${dup.task_id}`),
      service.deliver(dup, `post:${dup.task_id}`),
      service.deliver(other, `post:${other.task_id}`),
    ]);

    for (const [p, code] of [[dup, 'C0PDUP1'], [other, 'C0PDUP2']] as const) {
      const messages = slack.messagesIn(code);
      expect(messages.map((m) => m.metadata?.event_payload.task_id)).toEqual([p.task_id]);
      const job = await getJob(p.job_id);
      expect(job.delivery).toEqual({ status: 'DELIVERED', platform: 'slack', channel: code, ts: messages[0].ts, attempts: 1, error: null });
      expect(await deliveryEvents(p.job_id)).toEqual([expect.objectContaining({ task_id: p.task_id, reason: `delivered to slack ${code} ts=${messages[0].ts}` })]);
    }
  });
});
