import { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { AddressInfo } from 'node:net';
import { createApp } from '../../apps/api/create-app';
import { WorkerModule } from '../../apps/worker/worker.module';
import { createEchoJobType } from '../support/jobs';
import { openStream } from '../support/sse-client';
import { bearer, inAnHour, newOrg, startTestApp, TestApp } from '../support/test-app';
import { REDIS_URL } from '../support/test-env';
import { startWebhookReceiver, WebhookReceiver } from '../support/webhook-receiver';

/** API processes without a worker, and a worker process: events the worker writes reach every API's streams. */
describe('live streams across processes', () => {
  let t: TestApp;
  let replica: INestApplication;
  let replicaUrl: string;
  let worker: INestApplicationContext;
  let receiver: WebhookReceiver;
  let org: string;
  let write: Record<string, string>;
  let read: string;

  const listen = async (app: INestApplication) => {
    await app.listen(0, '127.0.0.1');
    return `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  };

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await startTestApp({ withWorker: false, env: { DELIVERY_BACKOFF_BASE_MS: '100' } });
    replica = await createApp({ env: t.env, withWorker: false, logger: ['error'] });
    replicaUrl = await listen(replica);
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(t.env), { logger: ['error'] });
    org = newOrg('procs');
    write = bearer(await t.token(org, { SERVICES: 'WRITE' }));
    read = await t.token(org, { SERVICES: 'READ' });
    await createEchoJobType(t, write);
  });
  afterAll(async () => {
    await worker?.close();
    await replica?.close();
    await t?.close();
    await receiver?.close();
  });

  it('a job run by the worker process: both API processes stream it to the end, woken by the worker\'s pings', async () => {
    const pings: number[] = [];
    const sub = new Redis(REDIS_URL);
    await sub.subscribe(`${t.env.QUEUE_PREFIX}:job-events`);
    sub.on('message', () => pings.push(Date.now()));
    try {
      const res = await t.http().post('/services/agent-jobs').set(write).send({
        job_type_id: 'echo', target_channel: { org_id: org, platform: 'webhook', code: 'procs', data: { url: receiver.endpoint('ok').url } },
      });
      expect(res.status).toBe(201);
      const id = res.body.data.job_id;
      const [onApi, onReplica, orgOnReplica] = await Promise.all([
        openStream(t.url, `/services/agent-jobs/${id}/stream`, read),
        openStream(replicaUrl, `/services/agent-jobs/${id}/stream`, read),
        openStream(replicaUrl, '/services/events/stream?after=0', read),
      ]);
      expect(await Promise.all([onApi.ended, onReplica.ended])).toEqual(['ended', 'ended']);
      const stored = (await t.http().get(`/services/agent-jobs/${id}/events`).set(bearer(read))).body.data;
      expect(stored.map((e: { kind: string; to: string }) => [e.kind, e.to])).toEqual([
        ['transition', 'WAITING'], ['transition', 'RUNNING'], ['transition', 'COMPLETED'], ['delivery', 'COMPLETED'],
      ]);
      expect(onApi.events).toEqual(stored);
      expect(onReplica.events).toEqual(stored);
      await orgOnReplica.waitForCount(stored.length);
      expect(orgOnReplica.events).toEqual(stored);
      await orgOnReplica.close();
      // The API process wrote only the creation: the other pings came from the worker (claim, finish, delivery).
      expect(pings.length).toBeGreaterThanOrEqual(2);
    } finally {
      sub.disconnect();
    }
  });

  it('one subscription per API process, however many streams it serves', async () => {
    const channel = `${t.env.QUEUE_PREFIX}:job-events`;
    const probe = new Redis(REDIS_URL);
    const subscribers = async () => Number(((await probe.pubsub('NUMSUB', channel)) as [string, number])[1]);
    try {
      const job = await t.http().post('/services/agent-jobs').set(write)
        .send({ job_type_id: 'echo', scheduled_at: inAnHour(), target_channel: { org_id: org, platform: 'slack', code: 'C0SUBS' } });
      expect(job.status).toBe(201);
      const path = `/services/agent-jobs/${job.body.data.job_id}/stream`;
      // The first stream on each process starts its feed (and its subscription), if nothing had yet.
      const first = await Promise.all([openStream(t.url, path, read), openStream(replicaUrl, path, read)]);
      await Promise.all(first.map((c) => c.waitForCount(1)));
      const before = await subscribers();
      expect(before).toBeGreaterThanOrEqual(2);
      const more = await Promise.all(Array.from({ length: 30 }, (_, i) =>
        openStream(i % 2 ? replicaUrl : t.url, i % 3 ? path : '/services/events/stream?after=0', read)));
      await Promise.all(more.map((c) => c.waitForCount(1)));
      expect(await subscribers()).toBe(before);
      await Promise.all([...first, ...more].map((c) => c.close()));
    } finally {
      probe.disconnect();
    }
  });

  it('closing an API process ends its open streams instead of waiting for them', async () => {
    const app = await createApp({ env: t.env, withWorker: false, logger: ['error'] });
    const url = await listen(app);
    const job = await t.http().post('/services/agent-jobs').set(write)
      .send({ job_type_id: 'echo', scheduled_at: inAnHour(), target_channel: { org_id: org, platform: 'slack', code: 'C0PROCS' } });
    expect(job.status).toBe(201);
    const clients = await Promise.all([
      openStream(url, `/services/agent-jobs/${job.body.data.job_id}/stream`, read),
      openStream(url, '/services/events/stream?after=latest', read),
      openStream(url, '/services/events/stream?after=0', read),
    ]);
    await clients[0].waitForCount(1);
    await app.close();
    expect(await Promise.all(clients.map((c) => c.ended))).toEqual(['ended', 'ended', 'ended']);
  });
});
