import { ChildProcess, spawn } from 'node:child_process';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { eventually } from './eventually';

/** A port nobody listens on right now (for a child process that needs its port up front). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The built entry points (`npm test` builds dist first), run as operators run them. */
const DIST = join(__dirname, '..', '..', 'dist', 'apps');
export const API_MAIN = join(DIST, 'api', 'main.js');
export const WORKER_MAIN = join(DIST, 'worker', 'main.js');
export const CLI_MAIN = join(DIST, 'cli', 'main.js');

/** Children still running when the test process exits (a failed or interrupted test) are killed with it. */
const running = new Set<Child>();
process.once('exit', () => { for (const c of running) c.signal('SIGKILL'); });

export interface ChildOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Its own process group (e.g. npm, its shell and node), so that a signal reaches all of them. */
  group?: boolean;
}

/** A child process of the test, its output collected (stdout, stderr, and both as they came). */
export class Child {
  readonly proc: ChildProcess;
  stdout = '';
  stderr = '';
  output = '';
  /** Its exit code (null when a signal ended it), once it exited. */
  readonly exited: Promise<number | null>;
  /** The same, once its output is read to the end too. */
  readonly closed: Promise<number | null>;

  constructor(command: string, args: string[], private readonly options: ChildOptions = {}) {
    this.proc = spawn(command, args, { env: options.env, cwd: options.cwd, detached: options.group, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.setEncoding('utf8').on('data', (d: string) => { this.stdout += d; this.output += d; });
    this.proc.stderr!.setEncoding('utf8').on('data', (d: string) => { this.stderr += d; this.output += d; });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
    this.closed = new Promise((resolve, reject) => {
      this.proc.once('error', reject);
      this.proc.once('close', (code) => resolve(code));
    });
    running.add(this);
    const forget = () => running.delete(this);
    // Forgotten once nothing of it (a group's members too) holds its output; handles a failed spawn too.
    void this.closed.then(forget, forget);
  }

  /** `node <entry> ...args` with the test's environment plus `env`. */
  static node(entry: string, args: string[] = [], env: NodeJS.ProcessEnv = {}, options: Omit<ChildOptions, 'env'> = {}): Child {
    return new Child(process.execPath, [entry, ...args], { ...options, env: { ...process.env, ...env } });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Sends a signal: to its group if it has one (members may outlive the leader), else to it unless it has exited. */
  signal(signal: NodeJS.Signals): void {
    try {
      if (this.options.group) process.kill(-this.pid, signal);
      else if (this.running) this.proc.kill(signal);
    } catch {
      // gone already
    }
  }

  /** SIGKILL, as a crash (no shutdown hook runs); resolves once it exited. */
  kill(): Promise<number | null> {
    return this.end('SIGKILL');
  }

  /** SIGTERM, as an operator stops it, and waits for the exit; SIGKILL after `graceMs`. */
  stop(graceMs = 15_000): Promise<number | null> {
    return this.end('SIGTERM', graceMs);
  }

  /** Waits for the exit, of the whole group if it has one: until none of it holds the output pipes (which would keep jest's worker alive). */
  private async end(signal: NodeJS.Signals, graceMs = 0): Promise<number | null> {
    this.signal(signal);
    const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      const code = await this.exited;
      if (this.options.group) await this.closed.catch(() => undefined);
      return code;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits for it to end on its own and for all its output; SIGKILL (a hang guard) after `timeoutMs`. */
  async finished(timeoutMs = 60_000): Promise<number | null> {
    const timer = setTimeout(() => this.signal('SIGKILL'), timeoutMs);
    try {
      return await this.closed;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A worker process as an operator runs it (`node dist/apps/worker/main.js`); it has no HTTP server: tests watch what it does. */
export const startWorkerProcess = (env: NodeJS.ProcessEnv): Child => Child.node(WORKER_MAIN, [], env);

export type ApiProcess = Child & { readonly url: string };

/**
 * Another API process (`node dist/apps/api/main.js`, no worker unless `withWorker`: `npm start`)
 * on `env`: pass the test app's env to share its database and queue prefix. Resolves once it answers /health.
 */
export async function startApiProcess(env: NodeJS.ProcessEnv, opts: { withWorker?: boolean } = {}): Promise<ApiProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const api = Object.assign(Child.node(API_MAIN, opts.withWorker ? ['--with-worker'] : [], { ...env, PORT: String(port), PUBLIC_URL: url }), { url });
  await eventually(async () => {
    if (!api.running) throw new Error(`the API process exited: ${api.stderr}`);
    return (await fetch(`${url}/health`).then((r) => r.status, () => 0)) === 200;
  }, 60_000, 100);
  return api;
}

/**
 * A redis-server of the test's own, without persistence, so a test can take it away (kill it)
 * and start it again empty on the same port ("Redis lost its data"): the shared Redis is never
 * stopped or flushed.
 */
export class RedisServer {
  private child?: Child;

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return !!this.child?.running;
  }

  /**
   * Starts it (again, empty) on the same port and waits until it says it accepts connections
   * (its log, not a probing client: ioredis leaves a 2 s timer behind each refused attempt).
   */
  async restart(): Promise<void> {
    if (this.running) throw new Error('redis-server is already running');
    const child = new Child('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    this.child = child;
    await eventually(async () => {
      if (!child.running) throw new Error(`redis-server exited: ${child.output}`);
      return child.stdout.includes('Ready to accept connections');
    }, 10_000, 20);
  }

  /** SIGKILL: everything it held is gone. */
  async kill(): Promise<void> {
    await this.child?.kill();
  }
}
