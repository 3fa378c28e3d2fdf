import type { LookupAddress } from 'node:dns';
import { expectOutboundError, makeClient, servers, startRawServer, startServer, useLoopbackOnly, waitFor } from '../../../../test/support/outbound-kit';

/*
 * Real HTTP servers on 127.0.0.1 (port 0). No test may send traffic anywhere
 * else: refusals must happen before connecting, and a safety net (useLoopbackOnly)
 * makes any socket connect to a non-loopback IP literal throw.
 */
useLoopbackOnly();

describe('OutboundHttpClient limits: timeouts, abort, size cap, network errors', () => {
  it('fails with TIMEOUT when the server never answers', async () => {
    const server = await startServer(() => {
      /* hang */
    });
    const started = Date.now();
    await expectOutboundError(
      makeClient().request({ url: server.origin, timeoutMs: 150 }),
      'TIMEOUT',
      `timeout: no complete response from 127.0.0.1:${server.port} within 150 ms`,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(140); // not before its time
    await waitFor(() => server.sockets.size === 0); // connection destroyed
  });

  it('the total timeout covers a body that stalls (defaultTimeoutMs)', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    await expectOutboundError(makeClient({ defaultTimeoutMs: 150 }).request({ url: server.origin }), 'TIMEOUT');
    await waitFor(() => server.sockets.size === 0);
  });

  it('fails with CONNECT_TIMEOUT when connecting does not finish in time', async () => {
    // The host name never resolves: the connect phase (DNS + TCP + TLS) hangs.
    const client = makeClient({ connectTimeoutMs: 100, resolveHost: () => new Promise<LookupAddress[]>(() => undefined) });
    // CONNECT_TIMEOUT, not the (longer) total TIMEOUT: the connect phase's own limit ended it.
    const started = Date.now();
    await expectOutboundError(
      client.request({ url: 'http://agent.internal.test:8080/run' }),
      'CONNECT_TIMEOUT',
      'connect timeout: could not connect to agent.internal.test:8080 within 100 ms',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('aborts via signal and destroys the connection at once', async () => {
    let arrived!: () => void;
    const requestArrived = new Promise<void>((r) => (arrived = r));
    const server = await startServer(() => arrived());
    const controller = new AbortController();
    // A timeout far beyond the wait below: only the abort can close the connection in time.
    const pending = makeClient().request({ url: server.origin, body: 'x', signal: controller.signal, timeoutMs: 600_000 });
    await requestArrived;
    expect(server.sockets.size).toBe(1);
    controller.abort();
    await expectOutboundError(pending, 'ABORTED');
    await waitFor(() => server.sockets.size === 0);
  });

  it('rejects an already aborted signal without connecting', async () => {
    const server = await startServer((_req, res) => res.end('ok'));
    const controller = new AbortController();
    controller.abort();
    await expectOutboundError(makeClient().request({ url: server.origin, signal: controller.signal }), 'ABORTED');
    expect(server.connections).toBe(0);
  });

  it('caps a streamed (chunked) response body', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(16 * 1024, 1);
      let sent = 0;
      const pump = () => {
        while (sent < 4 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
    });
    const err = await expectOutboundError(
      makeClient({ maxResponseBytes: 100_000 }).request({ url: server.origin }),
      'RESPONSE_TOO_LARGE',
      'exceeds the 100000 bytes allowed',
    );
    expect(err.message).toContain(`127.0.0.1:${server.port}`);
    await waitFor(() => server.sockets.size === 0);
  });

  it('refuses early when Content-Length is above the cap', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) });
      res.write('only a little'); // then hang: the client must not wait for the rest
    });
    // RESPONSE_TOO_LARGE, not TIMEOUT: refused on the header, without waiting for the body.
    await expectOutboundError(
      makeClient({ maxResponseBytes: 1024 }).request({ url: server.origin, timeoutMs: 600_000 }),
      'RESPONSE_TOO_LARGE',
      'declares 52428800 bytes (Content-Length)',
    );
    await waitFor(() => server.sockets.size === 0);
  });

  it('accepts a body of exactly maxResponseBytes', async () => {
    const server = await startServer((_req, res) => res.end(Buffer.alloc(2048, 7)));
    const res = await makeClient({ maxResponseBytes: 2048 }).request({ url: server.origin });
    expect(res.body.length).toBe(2048);
  });

  it('maps a refused connection to NETWORK_ERROR without leaking the path, query or headers', async () => {
    const server = await startServer(() => undefined);
    const port = server.port;
    await server.close();
    servers.pop();
    const err = await expectOutboundError(
      makeClient().request({
        url: `http://127.0.0.1:${port}/hooks/T000/B000/SECRETPATH?token=SECRETQUERY`,
        headers: { authorization: 'Bearer SECRETHEADER' },
        body: 'SECRETBODY',
      }),
      'NETWORK_ERROR',
      `network error calling 127.0.0.1:${port}: connection refused (ECONNREFUSED)`,
    );
    expect(err.message).not.toMatch(/SECRET/);
  });

  it('CONNECT_TIMEOUT covers the TLS handshake', async () => {
    // Accepts TCP but never answers the TLS ClientHello.
    const raw = await startRawServer((socket) => socket.resume());
    try {
      await expectOutboundError(
        makeClient({ connectTimeoutMs: 100 }).request({ url: `https://127.0.0.1:${raw.port}/` }),
        'CONNECT_TIMEOUT',
        `could not connect to 127.0.0.1:${raw.port} within 100 ms`,
      );
      await waitFor(() => raw.sockets.size === 0); // connection destroyed
    } finally {
      await raw.close();
    }
  });

  it('maps a TLS failure to NETWORK_ERROR', async () => {
    const raw = await startRawServer((socket) => socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
    try {
      await expectOutboundError(makeClient().request({ url: `https://127.0.0.1:${raw.port}/` }), 'NETWORK_ERROR');
    } finally {
      await raw.close();
    }
  });

  it('maps a malformed HTTP response to INVALID_RESPONSE', async () => {
    const raw = await startRawServer((socket) => socket.once('data', () => socket.end('this is not http\r\n\r\n')));
    try {
      await expectOutboundError(makeClient().request({ url: `http://127.0.0.1:${raw.port}/` }), 'INVALID_RESPONSE', /malformed HTTP response/);
    } finally {
      await raw.close();
    }
  });

  it('reports a connection closed mid-body as NETWORK_ERROR', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('short', () => res.socket?.destroy());
    });
    await expectOutboundError(makeClient().request({ url: server.origin }), 'NETWORK_ERROR');
  });
});
