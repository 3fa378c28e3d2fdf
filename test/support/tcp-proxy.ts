import { AddressInfo, createServer, Server, Socket, connect } from 'node:net';

/**
 * A TCP proxy in front of one dependency (Postgres, Redis), so a test can cut that dependency
 * for its own app only. `cut('refuse')` is a stopped server: open connections are reset and
 * new ones refused. `cut('hang')` is a network that drops packets: open connections are reset,
 * new ones are accepted and never answered. `restore()` forwards again on the same port.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private mode: 'forward' | 'hang' = 'forward';

  private constructor(private readonly target: { host: string; port: number }, public port = 0) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await proxy.listen();
    return proxy;
  }

  /** `url` with its host and port replaced by the proxy's. */
  proxiedUrl(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  async cut(mode: 'refuse' | 'hang' = 'refuse'): Promise<void> {
    this.dropAll();
    if (mode === 'hang') {
      this.mode = 'hang';
      if (!this.server) await this.listen();
      return;
    }
    const server = this.server;
    this.server = undefined;
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  async restore(): Promise<void> {
    // Hung connections never carried anything: the clients reconnect. Forwarded ones are left
    // alone (a restore that cut them would have an app close on reconnecting clients, which
    // ioredis then waits 2 s on, keeping jest's worker alive).
    if (this.mode === 'hang') this.dropAll();
    this.mode = 'forward';
    if (!this.server) await this.listen();
  }

  async close(): Promise<void> {
    await this.cut('refuse');
  }

  private dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  private listen(): Promise<void> {
    const server = createServer((client) => {
      this.track(client);
      if (this.mode === 'hang') return;
      const upstream = connect(this.target.port, this.target.host);
      this.track(upstream);
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }
}
