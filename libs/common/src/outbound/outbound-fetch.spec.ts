import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { outboundFetch } from './outbound-fetch';
import { OutboundHttpClient } from './outbound-http.client';

/**
 * The fetch adapter over OutboundHttpClient (the Slack WebClient's transport). A reused keep-alive connection dropped by the
 * server before it answers: an idempotent call is re-sent once, chat.postMessage never
 * (Slack may have posted the message).
 */
describe('outboundFetch', () => {
  let server: http.Server;
  let origin: string;
  let client: OutboundHttpClient;
  const received: string[] = [];
  const receivedHeaders: http.IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    const perSocket = new WeakMap<Socket, number>();
    server = http.createServer((req, res) => {
      const n = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, n);
      received.push(req.url ?? '');
      receivedHeaders.push(req.headers);
      if (n === 2) {
        req.socket.destroy(); // the second request on a connection: dropped unanswered
        return;
      }
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'retry-after': '3', 'set-cookie': ['a=1', 'b=2'] });
        res.end(JSON.stringify({ ok: true, n }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    received.length = 0;
    receivedHeaders.length = 0;
    client = new OutboundHttpClient({ allowPrivateNetworks: true, connectTimeoutMs: 1000, defaultTimeoutMs: 2000, maxResponseBytes: 100_000 });
  });
  afterEach(() => client.close());
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const fetchFn = () => outboundFetch(client, { timeoutMs: 2000, mayResend: (url) => !url.endsWith('/chat.postMessage') });

  it('answers like fetch: status, headers, text and json', async () => {
    const res = await fetchFn()(`${origin}/api/auth.test`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.statusText).toBe('OK');
    expect(res.headers.get('Retry-After')).toBe('3');
    expect(res.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(res.headers.get('x-missing')).toBeNull();
    expect(await res.json()).toEqual({ ok: true, n: 1 });
  });

  it('takes WHATWG Headers as the openai SDK passes them', async () => {
    const headers = new Headers({ Authorization: 'Bearer k-1', 'Content-Type': 'application/json' });
    const res = await fetchFn()(`${origin}/v1/chat/completions`, { method: 'POST', headers, body: '{}', signal: null });
    expect(res.status).toBe(200);
    expect(receivedHeaders[0]).toMatchObject({ authorization: 'Bearer k-1', 'content-type': 'application/json' });
  });

  it('re-sends an idempotent call once when a reused connection drops', async () => {
    const f = fetchFn();
    await f(`${origin}/api/conversations.history`, { method: 'POST', body: 'x' });
    const res = await f(`${origin}/api/conversations.history`, { method: 'POST', body: 'y' });
    expect(await res.json()).toEqual({ ok: true, n: 1 });
    expect(received).toHaveLength(3);
  });

  it('never re-sends chat.postMessage: the caller gets the network error', async () => {
    const f = fetchFn();
    await f(`${origin}/api/chat.postMessage`, { method: 'POST', body: 'x' });
    await expect(f(`${origin}/api/chat.postMessage`, { method: 'POST', body: 'y' })).rejects.toMatchObject({ name: 'OutboundError', code: 'NETWORK_ERROR' });
    expect(received).toHaveLength(2);
  });
});
