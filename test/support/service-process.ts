import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { eventually } from './test-app';

/** The built entry points (npm test builds dist first). */
const DIST = join(__dirname, '..', '..', 'dist', 'apps');

export interface ServiceProcess {
  child: ChildProcess;
  /** The API's base URL (API processes only). */
  url: string;
  /** What the process wrote on stderr, for failure messages. */
  stderr(): string;
  /** What it wrote on stdout (its log lines). */
  stdout(): string;
  /** SIGKILL, as a crash: no shutdown hook runs. Resolves once it has exited. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit (SIGKILL after 15 s). */
  stop(): Promise<void>;
}

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  });
});

function spawnService(entry: 'api' | 'worker', env: NodeJS.ProcessEnv, url: string, args: string[] = []): ServiceProcess {
  const child = spawn(process.execPath, [join(DIST, entry, 'main.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  child.stdout!.on('data', (d) => { stdout += d; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  return {
    child, url, stderr: () => stderr, stdout: () => stdout,
    kill: () => signal('SIGKILL'),
    stop: async () => {
      const hard = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await signal('SIGTERM');
      clearTimeout(hard);
    },
  };
}

/**
 * Another API process (`node dist/apps/api/main.js`, no worker unless `withWorker`: `npm start`)
 * on `env`: pass the test app's env to share its database and queue prefix. Resolves once it answers /health.
 */
export async function startApiProcess(env: NodeJS.ProcessEnv, opts: { withWorker?: boolean } = {}): Promise<ServiceProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const api = spawnService('api', { ...env, PORT: String(port), PUBLIC_URL: url }, url, opts.withWorker ? ['--with-worker'] : []);
  await eventually(async () => {
    if (api.child.exitCode !== null) throw new Error(`the API process exited: ${api.stderr()}`);
    return (await fetch(`${url}/health`).then((r) => r.status, () => 0)) === 200;
  }, 60_000, 100);
  return api;
}

/** A worker process (`node dist/apps/worker/main.js`) on `env`; it has no HTTP server: tests watch what it does. */
export function startWorkerProcess(env: NodeJS.ProcessEnv): ServiceProcess {
  return spawnService('worker', env, '');
}
