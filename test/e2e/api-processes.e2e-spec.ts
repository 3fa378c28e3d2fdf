import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { API_MAIN, Child, freePort } from '../support/processes';
import { createTestDatabase, eventually, testEnv } from '../support/test-app';

/**
 * API_PROCESSES=2 as an operator runs it: the built `node dist/apps/api/main.js` (npm test
 * builds dist first), a primary that supervises two API processes sharing the port.
 */

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
  let primary: Child | undefined;
  afterAll(async () => { await primary?.kill(); });

  it('serves from two processes, replaces one that dies, and stops them all on SIGTERM', async () => {
    const port = await freePort();
    const db = await createTestDatabase();
    primary = Child.node(API_MAIN, [], testEnv(db, { PORT: String(port), API_PROCESSES: '2' }));
    const pid = primary.pid;

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

    expect(await primary.stop()).toBe(0);
    expect(childrenOf(pid)).toEqual([]);
    for (const child of replaced as number[]) expect(() => process.kill(child, 0)).toThrow();
    expect(primary.stderr).not.toMatch(/failed to start/);
  }, 120_000);

  it('exits with 1 when its processes cannot start (here: the port is taken)', async () => {
    const db = await createTestDatabase();
    const taken = createServer();
    const port = await new Promise<number>((resolve) => taken.listen(0, () => resolve((taken.address() as { port: number }).port)));
    const run = Child.node(API_MAIN, [], testEnv(db, { PORT: String(port), API_PROCESSES: '2' }));
    const code = await run.finished();
    await new Promise((resolve) => taken.close(resolve));
    expect(code).toBe(1);
    // The supervisor's log lines are JSON on stdout; a process' boot error is on stderr.
    expect(run.output).toMatch(/"level":"error".*failed to start/);
  }, 60_000);
});
