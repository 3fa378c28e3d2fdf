import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { OutboundHttpClient } from './outbound-http.client';
import { SignedWebhookSender } from './signed-webhook.sender';

const SECRET_A = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const SECRET_B = `whsec_${Buffer.alloc(32, 2).toString('base64')}`;

/** A receiver on 127.0.0.1 that answers the status named by the path (/status/503) and records every request. */
describe('SignedWebhookSender', () => {
  let server: http.Server;
  let base: string;
  let client: OutboundHttpClient;
  let sender: SignedWebhookSender;
  const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const code = Number(/\/status\/(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
        res.writeHead(code, code === 429 ? { 'retry-after': '3' } : {}).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new OutboundHttpClient({ allowPrivateNetworks: true, connectTimeoutMs: 1000, defaultTimeoutMs: 2000, maxResponseBytes: 1024 });
    sender = new SignedWebhookSender(client);
  });
  afterAll(async () => {
    client.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(() => {
    received.length = 0;
  });

  const verify = (secret: string, got: { headers: http.IncomingHttpHeaders; body: string }) =>
    new Webhook(secret).verify(got.body, {
      'webhook-id': String(got.headers['webhook-id']), 'webhook-timestamp': String(got.headers['webhook-timestamp']),
      'webhook-signature': String(got.headers['webhook-signature']),
    });

  it('signs once per secret: a receiver holding either secret verifies; extra headers are sent', async () => {
    const body = JSON.stringify({ hello: 'world' });
    const res = await sender.post({ url: `${base}/status/202`, msgId: 'msg_1', body, secrets: [SECRET_A, SECRET_B], timeoutMs: 1000, headers: { 'idempotency-key': 'msg_1' } });
    expect(res.status).toBe(202);
    const [got] = received;
    expect(got.body).toBe(body);
    expect(got.headers).toMatchObject({ 'content-type': 'application/json', 'webhook-id': 'msg_1', 'idempotency-key': 'msg_1' });
    expect(String(got.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verify(SECRET_A, got)).toEqual({ hello: 'world' });
    expect(verify(SECRET_B, got)).toEqual({ hello: 'world' });
    expect(() => verify(`whsec_${Buffer.alloc(32, 3).toString('base64')}`, got)).toThrow();
  });

  it('deliver() judges the answer by the one rule', async () => {
    const attempt = (path: string) => sender.deliver({ url: `${base}${path}`, msgId: 'm', body: '{}', secrets: [SECRET_A], timeoutMs: 1000 });
    expect(await attempt('/status/204')).toMatchObject({ verdict: 'delivered', statusCode: 204, error: null, durationMs: expect.any(Number) });
    expect(await attempt('/status/400')).toMatchObject({ verdict: 'rejected', statusCode: 400, error: { code: 'WEBHOOK_REJECTED' } });
    expect(await attempt('/status/410')).toMatchObject({ verdict: 'gone', statusCode: 410, error: { code: 'WEBHOOK_GONE' } });
    expect(await attempt('/status/429')).toMatchObject({ verdict: 'retry', statusCode: 429, retryAfterMs: 3000 });
    expect(await attempt('/status/500')).toMatchObject({ verdict: 'retry', statusCode: 500, error: { code: 'WEBHOOK_HTTP_ERROR' } });
    expect(received[0].headers['user-agent']).toBe('agent-jobs-webhooks/1.0');
    // Nothing listens on port 1 of loopback: no answer, retried.
    expect(await sender.deliver({ url: 'http://127.0.0.1:1/', msgId: 'm', body: '{}', secrets: [SECRET_A], timeoutMs: 1000 }))
      .toMatchObject({ verdict: 'retry', statusCode: null, error: { code: 'WEBHOOK_UNREACHABLE' } });
  });

  it('refuses to send unsigned', async () => {
    expect(() => sender.post({ url: `${base}/status/200`, msgId: 'm', body: '{}', secrets: [], timeoutMs: 1000 })).toThrow(/at least one secret/);
    expect(received).toHaveLength(0);
  });
});
