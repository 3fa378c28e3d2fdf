import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import Redis from 'ioredis';
import { eventually } from './test-app';

export { freePort } from './free-port';
import { freePort } from './free-port';

/** Children still running when the test process exits (a failed or interrupted test) are killed with it. */
const children = new Set<ChildProcess>();
process.once('exit', () => { for (const c of children) c.kill('SIGKILL'); });
function track(proc: ChildProcess): ChildProcess {
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  return proc;
}

const exited = (proc: ChildProcess) =>
  proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => proc.once('exit', () => r()));

/**
 * A redis-server of the test's own, without persistence, so a test can kill it and start it
 * again empty ("Redis lost its data") without touching the shared Redis.
 */
export class RedisServer {
  private proc?: ChildProcess;

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (again, empty) on the same port and waits until it answers PING. */
  async restart(): Promise<void> {
    if (this.running) throw new Error('redis-server is already running');
    this.proc = track(spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    }));
    const probe = new Redis(this.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await eventually(async () => {
        try {
          if (probe.status !== 'ready') await probe.connect();
          return (await probe.ping()) === 'PONG';
        } catch {
          probe.disconnect();
          return false;
        }
      }, 10_000, 20);
    } finally {
      probe.disconnect();
    }
  }

  get running(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** SIGKILL: everything it held is gone. */
  async kill(): Promise<void> {
    if (!this.proc || !this.running) return;
    this.proc.kill('SIGKILL');
    await exited(this.proc);
  }
}

/** The built worker entry point (`npm test` builds dist first). */
export const WORKER_MAIN = join(__dirname, '..', '..', 'dist', 'apps', 'worker', 'main.js');

/** A worker as an operator runs it (`node dist/apps/worker/main.js`), so a test can SIGKILL it. */
export class WorkerProcess {
  stderr = '';

  private constructor(readonly proc: ChildProcess) {
    proc.stderr!.on('data', (d) => { this.stderr += d; });
  }

  static start(env: NodeJS.ProcessEnv): WorkerProcess {
    return new WorkerProcess(track(spawn(process.execPath, [WORKER_MAIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] })));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    await exited(this.proc);
  }
}
