import { createEchoJobType } from '../support/jobs';
import { eventually, newOrg, startTestApp, TestApp } from '../support/test-app';
import { startWebhookReceiver, WebhookReceiver } from '../support/webhook-receiver';

describe('webhook channels', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let org: string;
  let auth: Record<string, string>;
  /** The org's webhook signing secret (GET /services/webhooks/signing-secret, readable once). */
  let secret: string;
  let otherOrgSecret: string;

  const revealSecret = async (orgId: string) => {
    const res = await t.http().get('/services/webhooks/signing-secret').set({ Authorization: `Bearer ${await t.token(orgId, { SERVICES: 'ADMIN' })}` });
    expect(res.status).toBe(200);
    return res.body.data.secret as string;
  };

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await startTestApp({ env: { DELIVERY_BACKOFF_BASE_MS: '200' } });
    org = newOrg('webhook-channel');
    auth = { Authorization: `Bearer ${await t.token(org, { SERVICES: 'WRITE' })}` };
    await createEchoJobType(t, auth);
    [secret, otherOrgSecret] = await Promise.all([revealSecret(org), revealSecret(newOrg('webhook-other'))]);
    expect(secret).toMatch(/^whsec_/);
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  /** A job whose result goes to this endpoint of the receiver (verified there with the org's and another org's secret). */
  async function runJob(endpoint: { url: string; path: string }, code: string) {
    receiver.setSecrets(endpoint.path, [secret, otherOrgSecret]);
    const res = await t.http().post('/services/agent-jobs').set(auth).send({
      target_channel: { org_id: org, platform: 'webhook', code, data: { url: endpoint.url } },
      job_type_id: 'echo', params: { answer: 42 },
    });
    expect(res.status).toBe(201);
    const id = res.body.data.job_id as string;
    return eventually(async () => {
      const job = (await t.http().get(`/services/agent-jobs/${id}`).set(auth)).body.data;
      return job.delivery && job.delivery.status !== 'PENDING' && job;
    });
  }

  it('POSTs job.result, signed with the org\'s webhook secret (Standard Webhooks; webhook-id post_<task_id>)', async () => {
    const ok = receiver.endpoint('ok');
    const job = await runJob(ok, 'hook/ok');
    const [got] = receiver.forPath(ok.path);
    const taskId = job.tasks[0].task_id;
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.webhookId).toBe(`post_${taskId}`);
    // The org's secret verifies it; another org's does not.
    expect(got.verifiedWith).toEqual([true, false]);
    expect(got.body).toEqual({
      type: 'job.result', timestamp: expect.any(String),
      data: { job_id: job.job_id, org_id: org, task_id: taskId, seq: 1, is_final: true, result: { answer: 42 } },
    });
    expect(job.delivery).toEqual({ status: 'DELIVERED', platform: 'webhook', channel: 'hook/ok', ts: null, attempts: 1, error: null });
  });

  it('retries 5xx with the same webhook-id, then delivers', async () => {
    const flaky = receiver.endpoint('fail-then-ok', { times: 2 });
    const job = await runJob(flaky, 'hook/flaky');
    const got = receiver.forPath(flaky.path);
    expect(got.map((g) => g.answered)).toEqual([500, 500, 200]);
    expect(new Set(got.map((g) => g.webhookId))).toEqual(new Set([`post_${job.tasks[0].task_id}`]));
    expect(got[1].receivedAt - got[0].receivedAt).toBeGreaterThanOrEqual(150);
    expect(job.delivery).toMatchObject({ status: 'DELIVERED', attempts: 3, error: null });
  });

  // The one webhook rule (also for observers): a 4xx other than 408/425/429 is final. 410 is in webhook-rules.e2e-spec.ts.
  it('a 4xx answer fails the delivery at once (WEBHOOK_REJECTED)', async () => {
    const rejected = receiver.endpoint('status-then-ok', { status: 404 });
    const job = await runJob(rejected, 'hook/rejected');
    // The post is FAILED after one claim: a FAILED post is never claimed (nor sent) again.
    const { rows: posts } = await t.db.query(`SELECT status, attempts FROM channel_posts WHERE job_id = $1`, [job.job_id]);
    expect(posts).toEqual([{ status: 'FAILED', attempts: 1 }]);
    expect(receiver.forPath(rejected.path).map((g) => g.answered)).toEqual([404]);
    expect(job.delivery).toMatchObject({ status: 'FAILED', attempts: 1, error: { code: 'WEBHOOK_REJECTED', message: 'HTTP 404: the receiver refused the request' } });
    const events = (await t.http().get(`/services/agent-jobs/${job.job_id}/events`).set(auth)).body.data;
    expect(events[events.length - 1]).toMatchObject({ actor: 'delivery', reason: 'delivery failed: WEBHOOK_REJECTED' });
  });

  it('fails after 5 attempts when the receiver keeps failing', async () => {
    const down = receiver.endpoint('fail');
    const job = await runJob(down, 'hook/down');
    expect(receiver.forPath(down.path)).toHaveLength(5);
    expect(job.delivery).toMatchObject({ status: 'FAILED', attempts: 5, error: { code: 'WEBHOOK_HTTP_ERROR' } });
  }, 20_000);
});
