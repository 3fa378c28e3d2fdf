import * as net from 'node:net';
import { OutboundError } from './outbound-errors';
import { expectOutboundError, makeClient, startServer, useLoopbackOnly, waitFor } from '../../../../test/support/outbound-kit';

/*
 * Real HTTP servers on 127.0.0.1 (port 0). No test may send traffic anywhere
 * else: refusals must happen before connecting, and a safety net (useLoopbackOnly)
 * makes any socket connect to a non-loopback IP literal throw.
 */
useLoopbackOnly();

describe('OutboundHttpClient requests', () => {
  it('completes a POST and reads the JSON response', async () => {
    const server = await startServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            method: req.method,
            url: req.url,
            contentType: req.headers['content-type'],
            contentLength: req.headers['content-length'],
            auth: req.headers.authorization,
            received: JSON.parse(Buffer.concat(chunks).toString('utf8')),
          }),
        );
      });
    });
    const client = makeClient();
    const res = await client.request({
      url: `${server.origin}/v1/run?x=1#frag`,
      headers: { 'content-type': 'application/json', authorization: 'Bearer abc' },
      body: JSON.stringify({ hello: 'wörld' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.json()).toEqual({
      method: 'POST',
      url: '/v1/run?x=1',
      contentType: 'application/json',
      contentLength: String(Buffer.byteLength(JSON.stringify({ hello: 'wörld' }))),
      auth: 'Bearer abc',
      received: { hello: 'wörld' },
    });
  });

  it('defaults to GET without a body and honours an explicit method', async () => {
    const server = await startServer((req, res) => res.end(req.method));
    const client = makeClient();
    expect((await client.request({ url: server.origin })).text()).toBe('GET');
    expect((await client.request({ url: server.origin, method: 'delete' })).text()).toBe('DELETE');
    expect((await client.request({ url: server.origin, method: 'PUT', body: Buffer.from('x') })).text()).toBe('PUT');
  });

  it('json() throws INVALID_RESPONSE on a body that is not JSON', async () => {
    const server = await startServer((_req, res) => res.end('<html>secret-page</html>'));
    const res = await makeClient().request({ url: server.origin });
    expect(res.text()).toBe('<html>secret-page</html>');
    let err: unknown;
    try {
      res.json();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OutboundError);
    expect((err as OutboundError).code).toBe('INVALID_RESPONSE');
    expect((err as OutboundError).message).not.toContain('secret-page');
  });

  it('returns a 3xx as a response and never follows it', async () => {
    const server = await startServer((req, res) => {
      if (req.url === '/start') {
        res.writeHead(302, { location: '/target' });
        res.end();
      } else {
        res.end('followed');
      }
    });
    const res = await makeClient().request({ url: `${server.origin}/start`, body: 'x' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/target');
    expect(res.body.length).toBe(0);
    expect(server.requests).toBe(1);
  });

  it('reuses keep-alive connections across calls', async () => {
    const server = await startServer((_req, res) => res.end('ok'));
    const client = makeClient();
    for (let i = 0; i < 5; i++) expect((await client.request({ url: server.origin, body: 'x' })).text()).toBe('ok');
    expect(server.requests).toBe(5);
    expect(server.connections).toBe(1);
    await Promise.all(Array.from({ length: 10 }, () => client.request({ url: server.origin })));
    expect(server.requests).toBe(15);
    expect(server.connections).toBeLessThanOrEqual(10);
  });

  it('closes idle keep-alive connections after idleSocketTimeoutMs, but not busy ones', async () => {
    const server = await startServer((_req, res) => setTimeout(() => res.end('slow'), 250));
    const client = makeClient({ idleSocketTimeoutMs: 100 });
    expect((await client.request({ url: server.origin })).text()).toBe('slow'); // busy longer than the idle timeout
    expect(server.sockets.size).toBe(1);
    await waitFor(() => server.sockets.size === 0, 1000);
  });

  it('retries once on a fresh connection when a reused keep-alive connection was closed by the server', async () => {
    const perSocket = new WeakMap<net.Socket, number>();
    const server = await startServer((req, res) => {
      const n = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, n);
      if (n === 2) {
        req.socket.destroy(); // the server dropped the idle connection
        return;
      }
      req.resume();
      req.on('end', () => res.end(`ok${n}`));
    });
    const client = makeClient();
    expect((await client.request({ url: server.origin, body: 'a' })).text()).toBe('ok1');
    expect((await client.request({ url: server.origin, body: 'b' })).text()).toBe('ok1');
    expect(server.connections).toBe(2);
    expect(server.requests).toBe(3);
  });

  it('close() destroys the keep-alive connections and refuses further calls', async () => {
    const server = await startServer((_req, res) => res.end('ok'));
    const client = makeClient();
    await client.request({ url: server.origin });
    await waitFor(() => server.sockets.size === 1);
    client.close();
    await waitFor(() => server.sockets.size === 0);
    await expectOutboundError(client.request({ url: server.origin }), 'NETWORK_ERROR', 'closed');
  });
});
