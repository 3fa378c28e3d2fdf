import * as http from 'node:http';
import * as net from 'node:net';
import { OutboundError, OutboundErrorCode } from '../../libs/common/src/outbound/outbound-errors';
import { OutboundHttpClient } from '../../libs/common/src/outbound/outbound-http.client';
import type { OutboundClientOptions } from '../../libs/common/src/outbound/outbound-types';
import { eventually } from './eventually';

/*
 * Real HTTP servers on 127.0.0.1 (port 0). No test may send traffic anywhere
 * else: refusals must happen before connecting, and a safety net below makes
 * any socket connect to a non-loopback IP literal throw.
 */

export interface TestServer {
  port: number;
  origin: string;
  connections: number;
  requests: number;
  sockets: Set<net.Socket>;
  close(): Promise<void>;
}

/** The servers started by the running test (closed after it). */
export const servers: TestServer[] = [];
const clients: OutboundHttpClient[] = [];

export async function startServer(handler: http.RequestListener): Promise<TestServer> {
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
export async function startRawServer(onSocket: (socket: net.Socket) => void) {
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

export function makeClient(overrides: Partial<OutboundClientOptions> = {}): OutboundHttpClient {
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

export async function expectOutboundError(promise: Promise<unknown>, code: OutboundErrorCode, message?: string | RegExp) {
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

/** eventually() for a synchronous condition, polled often (these tests wait on socket counts). */
export const waitFor = (predicate: () => boolean, ms?: number) => eventually(async () => predicate(), ms, 5);


// --- safety net: never connect to a non-loopback address --------------------------------
const realConnect = net.Socket.prototype.connect;
export const connectAttempts: string[] = [];
function isLoopbackLiteral(host: string): boolean {
  return host === '::1' || /^127\./.test(host) || /^::ffff:127\./i.test(host);
}
/** Registers the hooks of a spec file: the safety net, and closing its clients and servers after each test. */
export function useLoopbackOnly(): void {
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
}
