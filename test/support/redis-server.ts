import { ChildProcess, spawn } from 'node:child_process';
import Redis from 'ioredis';
import { freePort } from './free-port';
import { eventually } from './test-app';

export interface OwnRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * A redis-server child process of the test's own (no persistence), for tests that take Redis
 * away: the shared Redis is never stopped or flushed.
 */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}/0`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await eventually(async () => {
      try {
        if (probe.status !== 'ready') await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        probe.disconnect();
        return false;
      }
    }, 10_000, 50);
  } finally {
    probe.disconnect();
  }
  return {
    url,
    port,
    stop: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
