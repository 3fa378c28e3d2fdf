import type { LookupAddress } from 'node:dns';
import * as http from 'node:http';
import * as net from 'node:net';
import { OutboundError, OutboundErrorCode } from './outbound-errors';
import { OutboundHttpClient } from './outbound-http.client';
import type { OutboundClientOptions } from './outbound-types';

/*
 * Real HTTP servers on 127.0.0.1 (port 0). No test may send traffic anywhere
 * else: refusals must happen before connecting, and a safety net below makes
 * any socket connect to a non-loopback IP literal throw.
 */

interface TestServer {
  port: number;
  origin: string;
  connections: number;
  requests: number;
  sockets: Set<net.Socket>;
  close(): Promise<void>;
}

const servers: TestServer[] = [];
const clients: OutboundHttpClient[] = [];

async function startServer(handler: http.RequestListener): Promise<TestServer> {
  const server = http.createServer((req, res) => {
    state.requests++;
    handler(req, res);
  });
  const state: TestServer = {
    port: 0,
    origin: '',
    connections: 0,
    requests: 0,
    sockets: new Set(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        for (const s of state.sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (socket: net.Socket) => {
    state.connections++;
    state.sockets.add(socket);
    socket.on('close', () => state.sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as net.AddressInfo).port;
  state.origin = `http://127.0.0.1:${state.port}`;
  servers.push(state);
  return state;
}

/** A raw TCP server on 127.0.0.1 (not HTTP); `sockets` are its open connections. */
async function startRawServer(onSocket: (socket: net.Socket) => void) {
  const sockets = new Set<net.Socket>();
  const raw = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  const port = (raw.address() as net.AddressInfo).port;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      raw.close(() => resolve());
    });
  return { port, sockets, close };
}

function makeClient(overrides: Partial<OutboundClientOptions> = {}): OutboundHttpClient {
  const client = new OutboundHttpClient({
    allowPrivateNetworks: true,
    connectTimeoutMs: 1000,
    defaultTimeoutMs: 2000,
    maxResponseBytes: 1_048_576,
    ...overrides,
  });
  clients.push(client);
  return client;
}

async function expectOutboundError(promise: Promise<unknown>, code: OutboundErrorCode, message?: string | RegExp) {
  const err = await promise.then(
    () => {
      throw new Error(`expected OutboundError ${code}, got a result`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OutboundError);
  expect((err as OutboundError).code).toBe(code);
  if (message !== undefined) expect((err as OutboundError).message).toMatch(message);
  return err as OutboundError;
}

const waitFor = async (predicate: () => boolean, ms = 1000) => {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
};

// --- safety net: never connect to a non-loopback address --------------------------------
const realConnect = net.Socket.prototype.connect;
const connectAttempts: string[] = [];
function isLoopbackLiteral(host: string): boolean {
  return host === '::1' || /^127\./.test(host) || /^::ffff:127\./i.test(host);
}
beforeAll(() => {
  jest.spyOn(net.Socket.prototype, 'connect').mockImplementation(function (this: net.Socket, ...args: unknown[]) {
    const first = args[0];
    const opts = (Array.isArray(first) ? first[0] : first) as { host?: string } | number;
    const host = typeof opts === 'object' && opts !== null ? (opts.host ?? 'localhost') : String(args[1] ?? 'localhost');
    connectAttempts.push(host);
    if (net.isIP(host) && !isLoopbackLiteral(host)) throw new Error(`test safety net: refusing to connect to ${host}`);
    return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  });
});
afterAll(() => jest.restoreAllMocks());
beforeEach(() => {
  connectAttempts.length = 0;
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

// ------------------------------------------------------------------------------------------

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
    expect(Date.now() - started).toBeLessThan(1000);
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
    const started = Date.now();
    await expectOutboundError(
      client.request({ url: 'http://agent.internal.test:8080/run' }),
      'CONNECT_TIMEOUT',
      'connect timeout: could not connect to agent.internal.test:8080 within 100 ms',
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('aborts via signal and destroys the connection at once', async () => {
    let arrived!: () => void;
    const requestArrived = new Promise<void>((r) => (arrived = r));
    const server = await startServer(() => arrived());
    const controller = new AbortController();
    const pending = makeClient().request({ url: server.origin, body: 'x', signal: controller.signal, timeoutMs: 5000 });
    await requestArrived;
    expect(server.sockets.size).toBe(1);
    const started = Date.now();
    controller.abort();
    await expectOutboundError(pending, 'ABORTED');
    await waitFor(() => server.sockets.size === 0, 500);
    expect(Date.now() - started).toBeLessThan(500);
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
    const started = Date.now();
    await expectOutboundError(
      makeClient({ maxResponseBytes: 1024 }).request({ url: server.origin, timeoutMs: 3000 }),
      'RESPONSE_TOO_LARGE',
      'declares 52428800 bytes (Content-Length)',
    );
    expect(Date.now() - started).toBeLessThan(1000);
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

// ------------------------------------------------------------------------------------------

const REFUSED: Array<[string, RegExp]> = [
  ['http://127.0.0.1', /^refused: 127\.0\.0\.1 is a loopback address$/],
  ['http://localhost', /^refused: localhost is a loopback host name$/],
  ['http://[::1]', /^refused: ::1 is a loopback address$/],
  ['http://[::ffff:127.0.0.1]', /IPv4-mapped IPv6 address of 127\.0\.0\.1, which is a loopback address/],
  ['http://169.254.169.254/latest/meta-data/', /^refused: 169\.254\.169\.254 is a cloud metadata address$/],
  ['http://[fd00:ec2::254]', /cloud metadata address/],
  ['http://100.100.100.200', /cloud metadata address/],
  ['http://10.0.0.1', /^refused: 10\.0\.0\.1 is a private address$/],
  ['http://192.168.0.10:8080', /private address/],
  ['http://0.0.0.0', /^refused: 0\.0\.0\.0 is the unspecified address$/],
  ['http://[::]', /unspecified address/],
  ['http://100.64.1.1', /carrier-grade NAT/],
  ['http://[fe80::1]', /link-local/],
  ['http://2130706433', /127\.0\.0\.1 is a loopback address/], // decimal IPv4 form
  ['http://0x7f.1', /127\.0\.0\.1 is a loopback address/], // hex/short IPv4 form
  ['https://api.localhost', /loopback host name/],
  ['file:///etc/passwd', /^refused: the file scheme is not allowed \(only http and https\)$/],
  ['ftp://x', /the ftp scheme is not allowed/],
  ['gopher://x', /the gopher scheme is not allowed/],
  ['http://user:hunter2@93.184.215.14', /^refused: URLs with embedded credentials are not allowed$/],
];

describe('SSRF rules (allowPrivateNetworks = false)', () => {
  it.each(REFUSED)('request() refuses %s before connecting', async (url, message) => {
    const client = makeClient({ allowPrivateNetworks: false });
    const err = await expectOutboundError(client.request({ url, body: 'x' }), 'URL_REFUSED', message);
    expect(err.message).not.toContain('hunter2');
    expect(connectAttempts).toEqual([]);
  });

  it.each(REFUSED)('assertUrlAllowed() refuses %s', async (url, message) => {
    const client = makeClient({ allowPrivateNetworks: false });
    await expectOutboundError(client.assertUrlAllowed(url), 'URL_REFUSED', message);
    expect(connectAttempts).toEqual([]);
  });

  it('refuses a real loopback server, which sees no connection', async () => {
    const server = await startServer((_req, res) => res.end('ok'));
    const client = makeClient({ allowPrivateNetworks: false });
    await expectOutboundError(client.request({ url: server.origin }), 'URL_REFUSED');
    await expectOutboundError(client.request({ url: `http://localhost:${server.port}/` }), 'URL_REFUSED');
    await expectOutboundError(client.request({ url: `http://[::ffff:7f00:1]:${server.port}/` }), 'URL_REFUSED');
    expect(server.connections).toBe(0);
  });

  it('INVALID_URL for a URL that cannot be parsed', async () => {
    const client = makeClient({ allowPrivateNetworks: false });
    await expectOutboundError(client.request({ url: 'not a url' }), 'INVALID_URL');
    await expectOutboundError(client.assertUrlAllowed('http://'), 'INVALID_URL');
  });

  it('assertUrlAllowed accepts public literals without resolving or connecting', async () => {
    const resolveHost = jest.fn(async (): Promise<LookupAddress[]> => []);
    const client = makeClient({ allowPrivateNetworks: false, resolveHost });
    await expect(client.assertUrlAllowed('http://93.184.215.14')).resolves.toBeUndefined();
    await expect(client.assertUrlAllowed('https://93.184.215.14:8443/agent?x=1')).resolves.toBeUndefined();
    await expect(client.assertUrlAllowed('https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/run')).resolves.toBeUndefined();
    expect(resolveHost).not.toHaveBeenCalled();
    expect(connectAttempts).toEqual([]);
  });

  it('assertUrlAllowed resolves host names and checks every address, without connecting', async () => {
    const answers: Record<string, LookupAddress[]> = {
      'agent.example.test': [
        { address: '93.184.215.14', family: 4 },
        { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
      ],
      'mixed.example.test': [
        { address: '93.184.215.14', family: 4 },
        { address: '10.1.2.3', family: 4 },
      ],
      'mapped.example.test': [{ address: '::ffff:169.254.169.254', family: 6 }],
    };
    const resolveHost = jest.fn(async (host: string): Promise<LookupAddress[]> => {
      const found = answers[host];
      if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      return found;
    });
    const client = makeClient({ allowPrivateNetworks: false, resolveHost });
    await expect(client.assertUrlAllowed('https://agent.example.test/run')).resolves.toBeUndefined();
    await expectOutboundError(
      client.assertUrlAllowed('https://mixed.example.test/run'),
      'URL_REFUSED',
      'refused: mixed.example.test resolves to 10.1.2.3, which is a private address',
    );
    await expectOutboundError(client.assertUrlAllowed('http://mapped.example.test'), 'URL_REFUSED', /169\.254\.169\.254, which is a cloud metadata/);
    await expectOutboundError(client.assertUrlAllowed('http://nowhere.example.test'), 'NETWORK_ERROR', /host not found \(ENOTFOUND\)/);
    expect(resolveHost).toHaveBeenCalledTimes(4);
    expect(connectAttempts).toEqual([]);
  });

  it('checks the address resolved at connect time (DNS rebinding)', async () => {
    const server = await startServer((_req, res) => res.end('ok'));
    let calls = 0;
    // First answer (config time) is public, the next ones (connect time) point at loopback.
    const resolveHost = async (): Promise<LookupAddress[]> =>
      calls++ === 0 ? [{ address: '93.184.215.14', family: 4 }] : [{ address: '127.0.0.1', family: 4 }];
    const client = makeClient({ allowPrivateNetworks: false, resolveHost });
    const url = `http://rebind.example.test:${server.port}/`;
    await expect(client.assertUrlAllowed(url)).resolves.toBeUndefined();
    await expectOutboundError(
      client.request({ url }),
      'URL_REFUSED',
      'refused: rebind.example.test resolves to 127.0.0.1, which is a loopback address',
    );
    expect(server.connections).toBe(0);
  });

  it('the agents themselves refuse literal addresses (defense in depth)', async () => {
    const server = await startServer((_req, res) => res.end('ok'));
    const client = makeClient({ allowPrivateNetworks: false });
    const agent = (client as unknown as { httpAgent: http.Agent }).httpAgent;
    const err = await new Promise<Error>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: server.port, agent }, () => reject(new Error('connected')));
      req.on('error', resolve);
    });
    expect(err).toBeInstanceOf(OutboundError);
    expect((err as OutboundError).code).toBe('URL_REFUSED');
    expect(server.connections).toBe(0);
  });

  it('refuses a host name when any resolved address is forbidden', async () => {
    const server = await startServer((_req, res) => res.end('ok'));
    const resolveHost = async (): Promise<LookupAddress[]> => [
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ];
    const client = makeClient({ allowPrivateNetworks: false, resolveHost });
    await expectOutboundError(client.request({ url: `http://two.example.test:${server.port}/` }), 'URL_REFUSED');
    expect(server.connections).toBe(0);
  });
});

describe('allowPrivateNetworks = true', () => {
  it('allows private addresses but still refuses other schemes and credentials', async () => {
    const client = makeClient({ allowPrivateNetworks: true });
    await expect(client.assertUrlAllowed('http://127.0.0.1:1234')).resolves.toBeUndefined();
    await expect(client.assertUrlAllowed('http://169.254.169.254')).resolves.toBeUndefined();
    await expect(client.assertUrlAllowed('http://some-service.internal')).resolves.toBeUndefined(); // no DNS needed
    await expectOutboundError(client.assertUrlAllowed('file:///etc/passwd'), 'URL_REFUSED');
    await expectOutboundError(client.request({ url: 'ftp://x' }), 'URL_REFUSED');
    await expectOutboundError(client.request({ url: 'http://a:b@127.0.0.1' }), 'URL_REFUSED');
    expect(connectAttempts).toEqual([]);
  });

  it('connects to host names through the resolver', async () => {
    const server = await startServer((req, res) => res.end(req.headers.host));
    const client = makeClient({ resolveHost: async () => [{ address: '127.0.0.1', family: 4 }] });
    const res = await client.request({ url: `http://agent.local.test:${server.port}/` });
    expect(res.text()).toBe(`agent.local.test:${server.port}`);
  });
});
