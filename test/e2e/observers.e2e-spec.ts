import { ReceivedWebhook, startWebhookReceiver, WebhookReceiver } from '../support/webhook-receiver';
import { eventually, newOrg, startTestApp, TestApp } from '../support/test-app';

/**
 * Observer webhooks end to end: payloads, signatures, retries, 410, redelivery, rotation,
 * subjobs, tenancy. Crash/Redis-loss recovery is in observers-recovery.e2e-spec.ts.
 */

/** Small backoff and timeout so that retries, timeouts and exhaustion fit in a test. */
const ENV = { WEBHOOK_BACKOFF_BASE_MS: '200', WEBHOOK_TIMEOUT_MS: '1000' };
const MAX_RETRIES = 3; // WEBHOOK_MAX_RETRIES default

interface Org {
  org: string;
  auth: Record<string, string>;
  admin: Record<string, string>;
  secret: string;
}

interface DeliveryView {
  delivery_id: string;
  webhook_id: string;
  job_id: string;
  event_job_id: string;
  event_type: string;
  target: string;
  url: string;
  status: string;
  automatic_attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  payload: Record<string, unknown>;
  attempts: Array<{ attempt: number; manual: boolean; at: string; duration_ms: number | null; status_code: number | null; error: string | null }>;
}

const types = (recs: ReceivedWebhook[]) => recs.map((r) => r.type).sort();

describe('observers: webhook deliveries', () => {
  let t: TestApp;
  let rx: WebhookReceiver;

  beforeAll(async () => {
    [t, rx] = await Promise.all([startTestApp({ env: ENV }), startWebhookReceiver()]);
  });
  afterAll(async () => {
    await rx?.close();
    await t?.close();
  });

  /** A fresh org with WRITE and ADMIN tokens, an echo job type, and its signing secret (read once). */
  async function newOrgWithSecret(label = 'obs'): Promise<Org> {
    const org = newOrg(label);
    const auth = { Authorization: `Bearer ${await t.token(org, { SERVICES: 'WRITE' })}` };
    const admin = { Authorization: `Bearer ${await t.token(org, { SERVICES: 'ADMIN' })}` };
    const jt = await t.http().post('/services/job-types').set(auth).send({ id: 'echo', name: 'Echo', executor: { type: 'builtin', name: 'echo' } });
    expect(jt.status).toBe(201);
    const res = await t.http().get('/services/webhooks/signing-secret').set(admin);
    expect(res.status).toBe(200);
    expect(res.body.data.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    return { org, auth, admin, secret: res.body.data.secret };
  }

  async function createJob(o: Org, body: Record<string, unknown>): Promise<string> {
    const res = await t.http().post('/services/agent-jobs').set(o.auth).send({
      target_channel: { org_id: o.org, platform: 'slack', code: 'C0OBSERVE1' }, job_type_id: 'echo', ...body,
    });
    if (res.status !== 201) throw new Error(`create job: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.data.job_id;
  }

  async function deliveries(o: Org, jobId: string): Promise<DeliveryView[]> {
    const res = await t.http().get(`/services/agent-jobs/${jobId}/deliveries`).set(o.auth);
    expect(res.status).toBe(200);
    return res.body.data;
  }

  /** Waits until the job's deliveries are all settled (none PENDING) and there are `n` of them. */
  async function settled(o: Org, jobId: string, n: number, timeoutMs = 10_000): Promise<DeliveryView[]> {
    return eventually(async () => {
      const list = await deliveries(o, jobId);
      return list.length === n && list.every((d) => d.status !== 'PENDING') && list;
    }, timeoutMs);
  }

  const received = (path: string, n: number, timeoutMs = 10_000) =>
    eventually(async () => rx.forPath(path).length >= n && rx.forPath(path), timeoutMs);

  it('sends job.completed to callback_url, signed, with the spec payload, once', async () => {
    const o = await newOrgWithSecret();
    const cb = rx.endpoint('ok', {}, [o.secret]);
    const jobId = await createJob(o, { callback_url: cb.url, params: { hello: 'world' } });

    const [got] = await received(cb.path, 1);
    expect(got.verified).toBe(true);
    expect(got.signatures).toHaveLength(1);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.webhookId).toMatch(/^dlv_/);
    expect(Object.keys(JSON.parse(got.rawBody))).toEqual(['type', 'timestamp', 'data']);
    expect(got.body).toEqual({
      type: 'job.completed',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      data: { job_id: jobId, org_id: o.org, job_status: 'COMPLETED', result: { hello: 'world' }, parent_job_id: null },
    });
    // The timestamp is the transition's, as in the job's event history.
    const events = (await t.http().get(`/services/agent-jobs/${jobId}/events`).set(o.auth)).body.data as Array<{ to: string; at: string }>;
    expect(got.body!.timestamp).toBe(events.find((e) => e.to === 'COMPLETED')!.at);

    const [d] = await settled(o, jobId, 1);
    expect(d).toMatchObject({ delivery_id: got.webhookId, webhook_id: got.webhookId, event_type: 'job.completed', target: 'callback_url', status: 'SUCCEEDED', automatic_attempts: 1, last_status_code: 200 });
    expect(d.attempts).toEqual([{ attempt: 1, manual: false, at: expect.any(String), duration_ms: expect.any(Number), status_code: 200, error: null }]);
    // Settled: a SUCCEEDED delivery is never attempted again, and its one attempt is the one received.
    expect(rx.forPath(cb.path)).toHaveLength(1);
  });

  it('gives each observer exactly the events it lists', async () => {
    const o = await newOrgWithSecret();
    const a = rx.endpoint('ok', {}, [o.secret]);
    const b = rx.endpoint('ok', {}, [o.secret]);
    const jobId = await createJob(o, {
      observers: [{ type: 'webhook', url: a.url, events: ['running', 'completed'] }, { type: 'webhook', url: b.url, events: ['failed', 'canceled'] }],
    });
    const list = await settled(o, jobId, 2);
    expect(list.map((d) => [d.event_type, d.target, d.status]).sort()).toEqual([
      ['job.completed', 'observer:0', 'SUCCEEDED'], ['job.running', 'observer:0', 'SUCCEEDED'],
    ]);
    const got = rx.forPath(a.path);
    expect(types(got)).toEqual(['job.completed', 'job.running']);
    expect(got.every((r) => r.verified)).toBe(true);
    expect(new Set(got.map((r) => r.webhookId)).size).toBe(2);
    expect(got.find((r) => r.type === 'job.running')!.body!.data).toEqual({ job_id: jobId, org_id: o.org, job_status: 'RUNNING', parent_job_id: null });
    expect(rx.forPath(b.path)).toEqual([]);
  });

  it('sends job.failed with the error to callback_url', async () => {
    const o = await newOrgWithSecret();
    const jt = await t.http().post('/services/job-types').set(o.auth).send({
      id: 'strict-echo', name: 'Strict', executor: { type: 'builtin', name: 'echo' },
      output_schema: { type: 'object', required: ['must_have'] }, default_config: { max_task_retries: 0 },
    });
    expect(jt.status).toBe(201);
    const cb = rx.endpoint('ok', {}, [o.secret]);
    const jobId = await createJob(o, { job_type_id: 'strict-echo', callback_url: cb.url });
    const [got] = await received(cb.path, 1);
    expect(got.verified).toBe(true);
    expect(got.body).toEqual({
      type: 'job.failed', timestamp: expect.any(String),
      data: { job_id: jobId, org_id: o.org, job_status: 'FAILED', error: { code: 'OUTPUT_SCHEMA_MISMATCH', message: expect.any(String) }, parent_job_id: null },
    });
  });

  it('sends job.canceled (with the reason) to callback_url and to observers listing canceled', async () => {
    const o = await newOrgWithSecret();
    const cb = rx.endpoint('ok', {}, [o.secret]);
    const ob = rx.endpoint('ok', {}, [o.secret]);
    const jobId = await createJob(o, {
      scheduled_at: new Date(Date.now() + 3600_000).toISOString(), callback_url: cb.url,
      observers: [{ type: 'webhook', url: ob.url, events: ['canceled'] }],
    });
    const del = await t.http().delete(`/services/agent-jobs/${jobId}`).set(o.auth).send({ reason: 'plans changed' });
    expect(del.status).toBe(200);
    const [c] = await received(cb.path, 1);
    const [b] = await received(ob.path, 1);
    for (const r of [c, b]) {
      expect(r.verified).toBe(true);
      expect(r.body!.type).toBe('job.canceled');
      expect(r.body!.data).toEqual({ job_id: jobId, org_id: o.org, job_status: 'CANCELED', error: { code: 'CANCELED', message: 'plans changed' }, parent_job_id: null });
    }
    expect(c.webhookId).not.toBe(b.webhookId);
  });

  it('retries a failing receiver with growing delays and the same webhook-id, then succeeds', async () => {
    const o = await newOrgWithSecret();
    const cb = rx.endpoint('fail-then-ok', { times: 2 }, [o.secret]);
    const jobId = await createJob(o, { callback_url: cb.url });
    const [d] = await settled(o, jobId, 1);
    expect(d).toMatchObject({ status: 'SUCCEEDED', automatic_attempts: 3, last_status_code: 200, last_error: null });
    expect(d.attempts.map((a) => [a.attempt, a.status_code, a.manual])).toEqual([[1, 500, false], [2, 500, false], [3, 200, false]]);
    expect(d.attempts[0].error).toBe('HTTP 500');

    const got = rx.forPath(cb.path);
    expect(got).toHaveLength(3);
    expect(new Set(got.map((r) => r.webhookId))).toEqual(new Set([d.webhook_id]));
    expect(got.every((r) => r.verified)).toBe(true);
    // Retry k waits at least base * 2^(k-1) (plus jitter, up to as much again): 200 ms, then 400 ms.
    const gaps = [got[1].receivedAt - got[0].receivedAt, got[2].receivedAt - got[1].receivedAt];
    expect(gaps[0]).toBeGreaterThanOrEqual(190);
    expect(gaps[1]).toBeGreaterThanOrEqual(390);
    console.log(`observers: retries reached the receiver ${gaps.join(' and ')} ms after the attempt before them (backoff 200-400, 400-800 ms)`);
  });

  // The one webhook rule (also for webhook channels): a 3xx, like a 4xx other than 408/425/429, is final.
  it('retries 5xx and a hanging receiver (timeout) until 1 + WEBHOOK_MAX_RETRIES attempts; fails a 302 (not followed) at once', async () => {
    const o = await newOrgWithSecret();
    const fail = rx.endpoint('fail', {}, [o.secret]);
    const redirect = rx.endpoint('redirect', {}, [o.secret]);
    const hang = rx.endpoint('hang', {}, [o.secret]);
    const jobs = await Promise.all([fail, redirect, hang].map((e) => createJob(o, { callback_url: e.url })));
    const [failed, redirected, hung] = await Promise.all(jobs.map(async (id) => (await settled(o, id, 1, 15_000))[0]));

    for (const d of [failed, hung]) {
      expect(d.status).toBe('FAILED');
      expect(d.automatic_attempts).toBe(1 + MAX_RETRIES);
      expect(d.attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    }
    expect(failed.attempts.every((a) => a.status_code === 500 && a.error === 'HTTP 500')).toBe(true);
    expect(redirected).toMatchObject({ status: 'FAILED', automatic_attempts: 1, last_status_code: 302 });
    expect(redirected.attempts.map((a) => [a.attempt, a.status_code])).toEqual([[1, 302]]);
    expect(redirected.attempts[0].error).toMatch(/redirects are not followed/);
    expect(rx.forPath('/w0/ok')).toEqual([]); // the Location was never followed
    for (const a of hung.attempts) {
      expect(a.status_code).toBeNull();
      expect(a.error).toMatch(/timeout/i);
      // Cut by the 1 s attempt timeout (the receiver never answers), not before it.
      expect(a.duration_ms).toBeGreaterThanOrEqual(950);
    }
    expect(rx.forPath(hang.path).every((r) => r.aborted)).toBe(true);
    // FAILED is final: the receivers got exactly the attempts recorded, and no more can come.
    for (const e of [fail, hang]) expect(rx.forPath(e.path)).toHaveLength(1 + MAX_RETRIES);
    expect(rx.forPath(redirect.path)).toHaveLength(1);
  });

  it('stops on 410 Gone after one attempt and skips that observer for the rest of the job', async () => {
    const o = await newOrgWithSecret();
    const gone = rx.endpoint('gone', {}, [o.secret]);
    const parentId = await createJob(o, {
      scheduled_at: new Date(Date.now() + 3600_000).toISOString(),
      observers: [{ type: 'webhook', url: gone.url, events: ['completed', 'canceled'] }],
    });
    await createJob(o, { parent_job_id: parentId });
    const [first] = await settled(o, parentId, 1);
    expect(first).toMatchObject({ status: 'STOPPED', automatic_attempts: 1, last_status_code: 410, event_type: 'job.completed' });
    expect(first.attempts).toHaveLength(1);

    // A later subjob's completion and the parent's own cancel: planned, not sent.
    await createJob(o, { parent_job_id: parentId });
    expect((await t.http().delete(`/services/agent-jobs/${parentId}`).set(o.auth)).status).toBe(200);
    const all = await settled(o, parentId, 3);
    expect(all.map((d) => d.status)).toEqual(['STOPPED', 'STOPPED', 'STOPPED']);
    expect(all.slice(1).every((d) => d.automatic_attempts === 0 && /410 Gone/.test(d.last_error!))).toBe(true);
    // STOPPED is final: the one attempt made is the only request the URL ever gets.
    expect(rx.forPath(gone.path)).toHaveLength(1);
  });

  it('lists deliveries with their attempts, and redelivers by hand with the same webhook-id', async () => {
    const o = await newOrgWithSecret();
    const cb = rx.endpoint('fail-then-ok', { times: 1 + MAX_RETRIES }, [o.secret]);
    const jobId = await createJob(o, { callback_url: cb.url });
    const [d] = await settled(o, jobId, 1);
    expect(d.status).toBe('FAILED');

    const res = await t.http().post(`/services/agent-jobs/${jobId}/deliveries/${d.delivery_id}/redeliver`).set(o.auth);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      delivery_id: d.delivery_id, webhook_id: d.delivery_id, attempt: 2 + MAX_RETRIES, manual: true, outcome: 'succeeded',
      status_code: 200, error: null, duration_ms: expect.any(Number), delivery_status: 'SUCCEEDED',
    });
    expect(res.body.meta).toEqual({ org_id: o.org, job_id: jobId, delivery_id: d.delivery_id });
    const got = rx.forPath(cb.path);
    expect(got).toHaveLength(2 + MAX_RETRIES);
    expect(got[got.length - 1]).toMatchObject({ webhookId: d.webhook_id, verified: true, rawBody: got[0].rawBody });

    const [after] = await deliveries(o, jobId);
    expect(after).toMatchObject({ status: 'SUCCEEDED', automatic_attempts: 1 + MAX_RETRIES, last_status_code: 200 });
    expect(after.attempts.map((a) => a.manual)).toEqual([false, false, false, false, true]);
    expect(after.attempts[4]).toMatchObject({ attempt: 5, status_code: 200, error: null });

    // Unknown delivery, another job's delivery, READ token, bad paging: clean errors.
    const other = await createJob(o, {});
    expect((await t.http().post(`/services/agent-jobs/${jobId}/deliveries/dlv_nope/redeliver`).set(o.auth)).status).toBe(404);
    expect((await t.http().post(`/services/agent-jobs/${other}/deliveries/${d.delivery_id}/redeliver`).set(o.auth)).status).toBe(404);
    expect((await t.http().get(`/services/agent-jobs/job_nope/deliveries`).set(o.auth)).status).toBe(404);
    const reader = { Authorization: `Bearer ${await t.token(o.org, { SERVICES: 'READ' })}` };
    expect((await t.http().get(`/services/agent-jobs/${jobId}/deliveries`).set(reader)).status).toBe(200);
    expect((await t.http().post(`/services/agent-jobs/${jobId}/deliveries/${d.delivery_id}/redeliver`).set(reader)).status).toBe(403);
    const bad = await t.http().get(`/services/agent-jobs/${jobId}/deliveries?limit=abc`).set(o.auth);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'limit', message: expect.any(String) }]);
  });

  it('shows the secret once; after a rotation deliveries carry two signatures, each verifying with one secret', async () => {
    const o = await newOrgWithSecret();
    const again = await t.http().get('/services/webhooks/signing-secret').set(o.admin);
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(again.body.code).toBe('SECRET_ALREADY_REVEALED');
    expect(again.body.detail).toMatch(/rotate/i);
    expect(JSON.stringify(again.body)).not.toContain(o.secret);
    expect((await t.http().get('/services/webhooks/signing-secret').set(o.auth)).status).toBe(403);
    expect((await t.http().post('/services/webhooks/signing-secret/rotate').set(o.auth)).status).toBe(403);

    const before = Date.now();
    const rot = await t.http().post('/services/webhooks/signing-secret/rotate').set(o.admin);
    const after = Date.now();
    expect(rot.status).toBe(200);
    const next = rot.body.data.secret as string;
    expect(next).toMatch(/^whsec_/);
    expect(next).not.toBe(o.secret);
    // The old secret stays valid 24 h from the rotation.
    const previousExpiresAt = Date.parse(rot.body.data.previous_secret_expires_at);
    expect(previousExpiresAt).toBeGreaterThanOrEqual(before + 24 * 3600_000 - 1000);
    expect(previousExpiresAt).toBeLessThanOrEqual(after + 24 * 3600_000 + 1000);
    expect((await t.http().get('/services/webhooks/signing-secret').set(o.admin)).status).toBe(409);

    const cb = rx.endpoint('ok', {}, [o.secret, next]);
    await createJob(o, { callback_url: cb.url });
    const [both] = await received(cb.path, 1);
    expect(both.signatures).toHaveLength(2);
    expect(both.verifiedWith).toEqual([true, true]);

    // Once the grace is over, only the new secret signs.
    await t.db.query(`UPDATE org_webhook_secrets SET previous_secret_expires_at = now() - interval '1 second' WHERE org_id = $1`, [o.org]);
    const cb2 = rx.endpoint('ok', {}, [o.secret, next]);
    await createJob(o, { callback_url: cb2.url });
    const [one] = await received(cb2.path, 1);
    expect(one.signatures).toHaveLength(1);
    expect(one.verifiedWith).toEqual([false, true]);

    // Stored encrypted: the secret is not in the database in clear.
    const [row] = (await t.db.query(`SELECT secret, previous_secret FROM org_webhook_secrets WHERE org_id = $1`, [o.org])).rows;
    expect(JSON.stringify(row)).not.toContain(next.slice(6));
    expect(JSON.stringify(row)).not.toContain(o.secret.slice(6));
  });

  it("sends a subjob's transitions to its parent's observers (not to the parent's callback_url)", async () => {
    const o = await newOrgWithSecret();
    const ob = rx.endpoint('ok', {}, [o.secret]);
    const parentCb = rx.endpoint('ok', {}, [o.secret]);
    const parentId = await createJob(o, {
      scheduled_at: new Date(Date.now() + 3600_000).toISOString(), callback_url: parentCb.url,
      observers: [{ type: 'webhook', url: ob.url, events: ['running', 'completed'] }],
    });
    const childId = await createJob(o, { parent_job_id: parentId, params: { n: 1 } });
    const list = await settled(o, parentId, 2);
    expect(list.every((d) => d.job_id === parentId && d.event_job_id === childId && d.status === 'SUCCEEDED')).toBe(true);
    const got = rx.forPath(ob.path);
    expect(types(got)).toEqual(['job.completed', 'job.running']);
    expect(got.every((r) => r.verified && r.body!.data.job_id === childId && r.body!.data.parent_job_id === parentId)).toBe(true);
    expect(got.find((r) => r.type === 'job.completed')!.body!.data.result).toEqual({ n: 1 });
    expect(await deliveries(o, childId)).toEqual([]);
    // Every event of the child is planned, and no plan names the parent's callback_url: it can never get one.
    expect(list.every((d) => d.target === 'observer:0')).toBe(true);
    const outbox = await t.db.query(`SELECT count(*)::int AS n FROM job_events WHERE job_id = $1 AND NOT dispatched`, [childId]);
    expect(outbox.rows[0].n).toBe(0);
    expect(rx.forPath(parentCb.path)).toEqual([]);
  });

  it('keeps orgs apart: deliveries routes and signing secrets', async () => {
    const a = await newOrgWithSecret('obs-a');
    const b = await newOrgWithSecret('obs-b');
    expect(b.secret).not.toBe(a.secret);
    const cb = rx.endpoint('ok', {}, [a.secret]);
    const jobId = await createJob(a, { callback_url: cb.url });
    const [d] = await settled(a, jobId, 1);

    const list = await t.http().get(`/services/agent-jobs/${jobId}/deliveries`).set(b.auth);
    expect(list.status).toBe(403);
    expect(JSON.stringify(list.body)).not.toContain(d.delivery_id);
    const re = await t.http().post(`/services/agent-jobs/${jobId}/deliveries/${d.delivery_id}/redeliver`).set(b.auth);
    expect(re.status).toBe(403);
    // B's own job id with A's delivery id: not found, and nothing sent.
    const bJob = await createJob(b, {});
    expect((await t.http().post(`/services/agent-jobs/${bJob}/deliveries/${d.delivery_id}/redeliver`).set(b.auth)).status).toBe(404);
    expect(rx.forPath(cb.path)).toHaveLength(1);

    // B's secret routes only ever show and change B's secret.
    const bRot = await t.http().post('/services/webhooks/signing-secret/rotate').set(b.admin);
    expect(bRot.status).toBe(200);
    expect(bRot.body.meta).toEqual({ org_id: b.org });
    expect([a.secret, b.secret]).not.toContain(bRot.body.data.secret);
    const cb2 = rx.endpoint('ok', {}, [a.secret]);
    await createJob(a, { callback_url: cb2.url });
    const [got] = await received(cb2.path, 1);
    expect(got.signatures).toHaveLength(1);
    expect(got.verifiedWith).toEqual([true]);
  });
});
