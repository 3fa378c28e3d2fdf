import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../support/free-port';
import { createTestDatabase, eventually, testEnv } from '../support/test-app';

/**
 * API_PROCESSES=2 as an operator runs it: the built `node dist/apps/api/main.js` (npm test
 * builds dist first), a primary that supervises two API processes sharing the port.
 */
const MAIN = join(__dirname, '..', '..', 'dist', 'apps', 'api', 'main.js');

const childrenOf = (pid: number): number[] => {
  try {
    return execFileSync('pgrep', ['-P', String(pid)]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
};

const health = async (port: number) => {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health`)).status;
  } catch {
    return null;
  }
};

describe('API_PROCESSES', () => {
  let primary: ChildProcess | undefined;
  let stderr = '';
  afterAll(() => { if (primary && primary.exitCode === null) primary.kill('SIGKILL'); });

  it('serves from two processes, replaces one that dies, and stops them all on SIGTERM', async () => {
    const port = await freePort();
    const db = await createTestDatabase();
    primary = spawn(process.execPath, [MAIN], {
      env: { ...process.env, ...testEnv(db, { PORT: String(port), API_PROCESSES: '2' }) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    primary.stderr!.on('data', (d) => { stderr += d; });
    const pid = primary.pid!;

    await eventually(async () => (await health(port)) === 200 && childrenOf(pid).length === 2, 60_000, 200);
    const [first, second] = childrenOf(pid);
    const statuses = await Promise.all(Array.from({ length: 20 }, () => health(port)));
    expect(statuses).toEqual(Array(20).fill(200));

    process.kill(first, 'SIGKILL');
    const replaced = await eventually(async () => {
      const now = childrenOf(pid);
      return now.length === 2 && !now.includes(first) && now.includes(second) && now;
    }, 30_000, 200);
    expect(replaced).toHaveLength(2);
    await eventually(async () => (await health(port)) === 200, 30_000, 200);

    const exited = new Promise<number | null>((resolve) => primary!.once('exit', (code) => resolve(code)));
    primary.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(childrenOf(pid)).toEqual([]);
    for (const child of replaced as number[]) expect(() => process.kill(child, 0)).toThrow();
    expect(stderr).not.toMatch(/failed to start/);
  }, 120_000);

  it('exits with 1 when its processes cannot start (here: the port is taken)', async () => {
    const db = await createTestDatabase();
    const taken = createServer();
    const port = await new Promise<number>((resolve) => taken.listen(0, () => resolve((taken.address() as { port: number }).port)));
    const run = spawn(process.execPath, [MAIN], {
      env: { ...process.env, ...testEnv(db, { PORT: String(port), API_PROCESSES: '2' }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The supervisor's log lines are JSON on stdout; a process' boot error is on stderr.
    let output = '';
    run.stdout!.on('data', (d) => { output += d; });
    run.stderr!.on('data', (d) => { output += d; });
    const code = await new Promise<number | null>((resolve) => run.once('exit', (c) => resolve(c)));
    taken.close();
    expect(code).toBe(1);
    expect(output).toMatch(/"level":"error".*failed to start/);
  }, 60_000);
});
