import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { createEchoJobType } from '../support/jobs';
import { eventually, newOrg, startTestApp, TestApp } from '../support/test-app';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: { type: string; timestamp: string; data: Record<string, unknown> };
  at: number;
}

/** A receiver that answers each path's scripted statuses in turn, then 200. */
class Receiver {
  readonly received: Received[] = [];
  private readonly scripts = new Map<string, number[]>();
  private server?: http.Server;
  url = '';

  async start(): Promise<this> {
    this.server = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      this.received.push({ path, headers: req.headers, raw, body: JSON.parse(raw), at: Date.now() });
      res.writeHead(this.scripts.get(path)?.shift() ?? 200).end();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  script(path: string, ...statuses: number[]): void {
    this.scripts.set(path, statuses);
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe('webhook channels', () => {
  let t: TestApp;
  let receiver: Receiver;
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
    receiver = await new Receiver().start();
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

  async function runJob(path: string) {
    const res = await t.http().post('/services/agent-jobs').set(auth).send({
      target_channel: { org_id: org, platform: 'webhook', code: `hook${path}`, data: { url: `${receiver.url}${path}` } },
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
    const job = await runJob('/ok');
    const [got] = receiver.at('/ok');
    const taskId = job.tasks[0].task_id;
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['webhook-id']).toBe(`post_${taskId}`);
    const headers = {
      'webhook-id': String(got.headers['webhook-id']), 'webhook-timestamp': String(got.headers['webhook-timestamp']), 'webhook-signature': String(got.headers['webhook-signature']),
    };
    expect(() => new Webhook(secret).verify(got.raw, headers)).not.toThrow();
    // Another org's secret does not verify it.
    expect(() => new Webhook(otherOrgSecret).verify(got.raw, headers)).toThrow();
    expect(got.body).toEqual({
      type: 'job.result', timestamp: expect.any(String),
      data: { job_id: job.job_id, org_id: org, task_id: taskId, seq: 1, is_final: true, result: { answer: 42 } },
    });
    expect(job.delivery).toEqual({ status: 'DELIVERED', platform: 'webhook', channel: 'hook/ok', ts: null, attempts: 1, error: null });
  });

  it('retries 5xx with the same webhook-id, then delivers', async () => {
    receiver.script('/flaky', 503, 500);
    const job = await runJob('/flaky');
    const got = receiver.at('/flaky');
    expect(got).toHaveLength(3);
    expect(new Set(got.map((g) => g.headers['webhook-id']))).toEqual(new Set([`post_${job.tasks[0].task_id}`]));
    expect(got[1].at - got[0].at).toBeGreaterThanOrEqual(150);
    expect(job.delivery).toMatchObject({ status: 'DELIVERED', attempts: 3, error: null });
  });

  // The one webhook rule (also for observers): a 4xx other than 408/425/429 is final. 410 is in webhook-rules.e2e-spec.ts.
  it('a 4xx answer fails the delivery at once (WEBHOOK_REJECTED)', async () => {
    receiver.script('/rejected', 404);
    const job = await runJob('/rejected');
    // The post is FAILED after one claim: a FAILED post is never claimed (nor sent) again.
    const { rows: posts } = await t.db.query(`SELECT status, attempts FROM channel_posts WHERE job_id = $1`, [job.job_id]);
    expect(posts).toEqual([{ status: 'FAILED', attempts: 1 }]);
    expect(receiver.at('/rejected')).toHaveLength(1);
    expect(job.delivery).toMatchObject({ status: 'FAILED', attempts: 1, error: { code: 'WEBHOOK_REJECTED', message: 'HTTP 404: the receiver refused the request' } });
    const events = (await t.http().get(`/services/agent-jobs/${job.job_id}/events`).set(auth)).body.data;
    expect(events[events.length - 1]).toMatchObject({ actor: 'delivery', reason: 'delivery failed: WEBHOOK_REJECTED' });
  });

  it('fails after 5 attempts when the receiver keeps failing', async () => {
    receiver.script('/down', 500, 500, 500, 500, 500, 500);
    const job = await runJob('/down');
    expect(receiver.at('/down')).toHaveLength(5);
    expect(job.delivery).toMatchObject({ status: 'FAILED', attempts: 5, error: { code: 'WEBHOOK_HTTP_ERROR' } });
  }, 20_000);
});
