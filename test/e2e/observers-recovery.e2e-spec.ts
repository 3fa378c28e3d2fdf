import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WorkerModule } from '../../apps/worker/worker.module';
import { createEchoJobType } from '../support/jobs';
import { startWebhookReceiver, WebhookReceiver } from '../support/webhook-receiver';
import { eventually, newOrg, startTestApp, TestApp } from '../support/test-app';

/**
 * Observer webhooks survive missing and crashing workers: events wait in the job_events outbox
 * until a worker runs, two workers never plan or send an event twice, and a PENDING delivery
 * whose Bull job was never queued (or that Redis lost) is re-queued by the reconciler.
 */
const ENV = { WEBHOOK_BACKOFF_BASE_MS: '200', WEBHOOK_TIMEOUT_MS: '1000' };

describe('observers: nothing is lost without a worker, or with several', () => {
  let t: TestApp;
  let rx: WebhookReceiver;
  const workers: INestApplicationContext[] = [];

  beforeAll(async () => {
    [t, rx] = await Promise.all([startTestApp({ env: ENV, withWorker: false }), startWebhookReceiver()]);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await rx?.close();
    await t?.close();
  });

  it('delivers events stored while no worker ran, exactly once with two workers, and re-queues deliveries Redis lost', async () => {
    const org = newOrg('obs-rec');
    const auth = { Authorization: `Bearer ${await t.token(org, { SERVICES: 'WRITE' })}` };
    const admin = { Authorization: `Bearer ${await t.token(org, { SERVICES: 'ADMIN' })}` };
    await createEchoJobType(t, auth);
    const secret = (await t.http().get('/services/webhooks/signing-secret').set(admin)).body.data.secret as string;
    const cb = rx.endpoint('ok', {}, [secret]);
    const create = async (extra: Record<string, unknown>) => {
      const res = await t.http().post('/services/agent-jobs').set(auth).send({
        target_channel: { org_id: org, platform: 'slack', code: 'C0OBSERVE2' }, job_type_id: 'echo', callback_url: cb.url, ...extra,
      });
      expect(res.status).toBe(201);
      return res.body.data.job_id as string;
    };
    // Canceled while no worker runs: job.canceled waits in the outbox. Ten more jobs wait to run.
    const canceled = await create({ scheduled_at: new Date(Date.now() + 3600_000).toISOString() });
    expect((await t.http().delete(`/services/agent-jobs/${canceled}`).set(auth)).status).toBe(200);
    const waiting = await Promise.all(Array.from({ length: 10 }, (_, i) => create({ params: { i } })));
    const outbox = await t.db.query(`SELECT count(*)::int AS n FROM job_events WHERE job_id = $1 AND NOT dispatched`, [canceled]);
    expect(outbox.rows[0].n).toBe(1);
    // Nothing was sent, and nothing can be: a send needs a delivery row, and only a worker plans them.
    const planned = await t.db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE org_id = $1`, [org]);
    expect(planned.rows[0].n).toBe(0);
    expect(rx.forPath(cb.path)).toEqual([]);

    // A delivery committed by a dispatcher that died before queuing it (or whose Bull job Redis lost).
    const lostJob = await create({ scheduled_at: new Date(Date.now() + 3600_000).toISOString() });
    const payload = { type: 'job.completed', timestamp: new Date().toISOString(), data: { job_id: lostJob, org_id: org, job_status: 'COMPLETED', result: { lost: true }, parent_job_id: null } };
    await t.db.query(
      `INSERT INTO webhook_deliveries (id, org_id, job_id, event_type, target, url, payload, status, next_attempt_at)
       VALUES ('dlv_lost0000000000000000000000', $1, $2, 'job.completed', 'callback_url', $3, $4, 'PENDING', now() - interval '10 seconds')`,
      [org, lostJob, cb.url, JSON.stringify(payload)],
    );

    for (let i = 0; i < 2; i++) {
      workers.push(await NestFactory.createApplicationContext(WorkerModule.forRoot(t.env), { logger: ['error'] }));
    }
    const expected = 1 + waiting.length + 1;
    // Done when every event is planned and every delivery settled: a settled delivery is never
    // sent again, and each send is an attempt row written before it, so nothing more can arrive.
    const attempts = await eventually(async () => {
      const { rows: [r] } = await t.db.query(
        `SELECT count(*) FILTER (WHERE status = 'PENDING')::int AS open, count(*)::int AS n,
                (SELECT count(*)::int FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.org_id = $1) AS attempts,
                (SELECT count(*)::int FROM job_events WHERE org_id = $1 AND NOT dispatched) AS outbox
         FROM webhook_deliveries WHERE org_id = $1`,
        [org],
      );
      return r.n === expected && r.open === 0 && r.outbox === 0 && r.attempts;
    }, 15_000);
    const got = rx.forPath(cb.path);
    expect(got).toHaveLength(expected);
    expect(attempts).toBe(expected);
    expect(got.every((r) => r.verified)).toBe(true);
    expect(new Set(got.map((r) => r.webhookId)).size).toBe(expected);
    const byJob = (id: string) => got.filter((r) => r.body!.data.job_id === id).map((r) => r.type);
    expect(byJob(canceled)).toEqual(['job.canceled']);
    for (const id of waiting) expect(byJob(id)).toEqual(['job.completed']);
    expect(got.find((r) => r.webhookId === 'dlv_lost0000000000000000000000')!.body!.data.result).toEqual({ lost: true });
    const left = await t.db.query(`SELECT count(*)::int AS n FROM job_events WHERE org_id = $1 AND NOT dispatched`, [org]);
    expect(left.rows[0].n).toBe(0);
  });
});
