import { AgentServer, createHttpJobType, startAgentServer } from '../support/agent-server';
import { createEchoJobType } from '../support/jobs';
import { startWebhookReceiver, WebhookReceiver } from '../support/webhook-receiver';
import { bearer, eventually, newOrg, startTestApp, TestApp } from '../support/test-app';

/**
 * The one webhook rule (libs/common/src/outbound/webhook-verdict.ts, docs/webhooks.md) seen from
 * both senders at once: one job whose callback_url (an observer webhook) and whose webhook
 * channel each get a receiver that answers `status` once, then 200.
 */
const ENV = { WEBHOOK_BACKOFF_BASE_MS: '100', DELIVERY_BACKOFF_BASE_MS: '100', WEBHOOK_TIMEOUT_MS: '2000' };

interface Outcome {
  /** delivered, failed (for good) or stopped (410). */
  settled: 'delivered' | 'failed' | 'stopped';
  attempts: number;
  code: number | null;
}

describe('one webhook rule for observers and webhook channels', () => {
  let t: TestApp;
  let rx: WebhookReceiver;
  let agent: AgentServer;
  let org: string;
  let auth: Record<string, string>;
  let secret: string;

  beforeAll(async () => {
    [t, rx, agent] = await Promise.all([startTestApp({ env: ENV }), startWebhookReceiver(), startAgentServer()]);
    org = newOrg('rules');
    auth = bearer(await t.token(org, { SERVICES: 'WRITE' }));
    const admin = bearer(await t.token(org, { SERVICES: 'ADMIN' }));
    await createEchoJobType(t, auth);
    secret = (await t.http().get('/services/webhooks/signing-secret').set(admin)).body.data.secret;
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([rx?.close(), agent?.close()]);
  });

  async function createJob(body: Record<string, unknown>): Promise<string> {
    const res = await t.http().post('/services/agent-jobs').set(auth).send({ job_type_id: 'echo', params: { n: 1 }, ...body });
    expect(res.status).toBe(201);
    return res.body.data.job_id;
  }

  const webhookChannel = (url: string, code: string) => ({ org_id: org, platform: 'webhook', code, data: { url } });

  /** The observer delivery and the channel delivery of a job, once both are settled for good. */
  async function outcomes(jobId: string): Promise<{ observer: Outcome; channel: Outcome; channelError: { code: string } | null }> {
    return eventually(async () => {
      const [deliveries, job] = await Promise.all([
        t.http().get(`/services/agent-jobs/${jobId}/deliveries`).set(auth),
        t.http().get(`/services/agent-jobs/${jobId}`).set(auth),
      ]);
      const [d] = deliveries.body.data;
      const delivery = job.body.data.delivery;
      if (!d || d.status === 'PENDING' || !delivery || delivery.status === 'PENDING') return null;
      // Settled for good: no retry is scheduled on either side (so no request can follow).
      const { rows: [post] } = await t.db.query(`SELECT status FROM channel_posts WHERE job_id = $1`, [jobId]);
      expect(post.status).not.toMatch(/PENDING|SENDING/);
      expect(d.next_attempt_at).toBeNull();
      return {
        observer: {
          settled: ({ SUCCEEDED: 'delivered', FAILED: 'failed', STOPPED: 'stopped' } as const)[d.status as 'SUCCEEDED' | 'FAILED' | 'STOPPED'],
          attempts: d.automatic_attempts, code: d.attempts[0].status_code,
        },
        channel: {
          settled: delivery.status === 'DELIVERED' ? 'delivered' : delivery.error?.code === 'WEBHOOK_GONE' ? 'stopped' : 'failed',
          attempts: delivery.attempts, code: null,
        },
        channelError: delivery.error,
      };
    }, 15_000);
  }

  it.each([
    [400, 'failed', 1, 'WEBHOOK_REJECTED'],
    [408, 'delivered', 2, null],
    [410, 'stopped', 1, 'WEBHOOK_GONE'],
    [429, 'delivered', 2, null],
    [500, 'delivered', 2, null],
  ] as const)('a receiver answering %i once: %s after %i attempt(s), for both', async (status, settled, attempts, channelCode) => {
    const forObserver = rx.endpoint('status-then-ok', { status }, [secret]);
    const forChannel = rx.endpoint('status-then-ok', { status }, [secret]);
    const jobId = await createJob({ callback_url: forObserver.url, target_channel: webhookChannel(forChannel.url, `rules-${status}`) });

    const got = await outcomes(jobId);
    expect(got.observer).toEqual({ settled, attempts, code: status });
    expect(got.channel).toEqual({ settled, attempts, code: null });
    expect(got.channelError?.code ?? null).toBe(channelCode);
    for (const path of [forObserver.path, forChannel.path]) {
      const requests = rx.forPath(path);
      expect(requests.map((r) => r.answered)).toEqual(attempts === 1 ? [status] : [status, 200]);
      expect(requests.every((r) => r.verified)).toBe(true);
      // Receivers dedupe on webhook-id: the same on the retry.
      expect(new Set(requests.map((r) => r.webhookId)).size).toBe(1);
    }
  });

  it("a 410 from a webhook channel stops the job's later posts, as it stops an observer's later events", async () => {
    const jt = await createHttpJobType(t, agent, auth, { id: 'twice', behaviour: 'follow-up', query: { count: 1 } });
    const gone = rx.endpoint('status-then-ok', { status: 410, times: 99 }, [secret]);
    const jobId = await createJob({ job_type_id: jt.id, config: { max_follow_ups: 3 }, target_channel: webhookChannel(gone.url, 'rules-gone') });

    const job = await eventually(async () => {
      const j = (await t.http().get(`/services/agent-jobs/${jobId}`).set(auth)).body.data;
      return j.job_status === 'COMPLETED' && j.delivery?.status === 'FAILED' && j;
    });
    const { rows: posts } = await t.db.query(`SELECT seq, status, attempts, error FROM channel_posts WHERE job_id = $1 ORDER BY seq`, [jobId]);
    expect(posts).toEqual([
      { seq: 1, status: 'FAILED', attempts: 1, error: { code: 'WEBHOOK_GONE', message: expect.stringContaining('410 Gone') } },
      { seq: 2, status: 'FAILED', attempts: 1, error: { code: 'WEBHOOK_GONE', message: expect.stringMatching(/^not sent: .*410 Gone/) } },
    ]);
    expect(rx.forPath(gone.path)).toHaveLength(1);
    expect(job.delivery).toMatchObject({ status: 'FAILED', error: { code: 'WEBHOOK_GONE' } });
  });
});
