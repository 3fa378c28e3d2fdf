import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { PeriodicTask } from './periodic-task';

/** Polls until `check` holds (fails the test after 2 s), so the timings below are not load-sensitive. */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(2);
  }
}

describe('PeriodicTask', () => {
  const tasks: PeriodicTask<unknown>[] = [];
  const logger = { warn: jest.fn() } as unknown as Logger;
  afterEach(async () => {
    await Promise.all(tasks.splice(0).map((t) => t.stop()));
    jest.clearAllMocks();
  });

  /** A task whose passes each take `passMs` and are counted, with the most running at once. */
  function counted(opts: { passMs?: number; intervalMs?: number; fail?: boolean; again?: (n: number) => boolean } = {}) {
    const stats = { passes: 0, running: 0, maxRunning: 0 };
    const task = new PeriodicTask<number>({
      name: 'test pass',
      intervalMs: () => opts.intervalMs ?? 5,
      pass: async () => {
        stats.passes++;
        stats.running++;
        stats.maxRunning = Math.max(stats.maxRunning, stats.running);
        await sleep(opts.passMs ?? 1);
        stats.running--;
        if (opts.fail) throw new Error('boom');
        return stats.passes;
      },
      runAgainAtOnce: opts.again,
      logger,
    });
    tasks.push(task);
    return { task, stats };
  }

  /**
   * The timers the tasks arm (global setTimeout; the passes and until() sleep through
   * timers/promises, which does not go through it). A task only runs a pass from a timer, so
   * with none pending soon, no pass can start: checked without waiting to see nothing happen.
   */
  let timers: Array<{ ms: number; done: boolean; handle: NodeJS.Timeout }> = [];
  const realSetTimeout = global.setTimeout;
  const realClearTimeout = global.clearTimeout;
  beforeEach(() => {
    timers = [];
    jest.spyOn(global, 'setTimeout').mockImplementation(((fn: () => void, ms = 0) => {
      const timer = { ms, done: false, handle: undefined as unknown as NodeJS.Timeout };
      timer.handle = realSetTimeout(() => { timer.done = true; fn(); }, ms);
      timers.push(timer);
      return timer.handle;
    }) as typeof setTimeout);
    jest.spyOn(global, 'clearTimeout').mockImplementation(((handle?: NodeJS.Timeout) => {
      for (const t of timers) if (t.handle === handle) t.done = true;
      realClearTimeout(handle);
    }) as typeof clearTimeout);
  });
  afterEach(() => jest.restoreAllMocks());
  const pending = () => timers.filter((t) => !t.done);

  /** No pass runs, none starts within 10 s: the only timer left is the long interval (or none once stopped). */
  async function expectNoMorePasses(stats: { passes: number; running: number }, passes = stats.passes, stopped = false): Promise<void> {
    if (!stopped) await until(() => stats.running === 0 && pending().length > 0);
    expect(stats).toMatchObject({ passes, running: 0 });
    expect(pending().map((t) => t.ms).filter((ms) => ms < 10_000)).toEqual([]);
    if (stopped) expect(pending()).toEqual([]);
  }

  it('runs a pass at start, then one every interval, never two at once', async () => {
    const { task, stats } = counted({ passMs: 15, intervalMs: 1 });
    task.start();
    await until(() => stats.passes >= 3);
    expect(stats.maxRunning).toBe(1);
  });

  it('waits the start delay before the first pass', async () => {
    const { task, stats } = counted();
    task.start(10_000);
    await expectNoMorePasses(stats, 0);
  });

  it('stop() waits for the pass in flight, and no pass starts after it', async () => {
    const { task, stats } = counted({ passMs: 40, intervalMs: 1 });
    task.start();
    await until(() => stats.running === 1);
    await task.stop();
    expect(stats.running).toBe(0);
    await expectNoMorePasses(stats, stats.passes, true);
  });

  it('logs a failed pass and keeps going', async () => {
    const { task, stats } = counted({ fail: true, intervalMs: 1 });
    task.start();
    await until(() => stats.passes >= 2);
    expect(logger.warn).toHaveBeenCalledWith('test pass failed: boom');
  });

  it('starts the next pass at once when runAgainAtOnce says so', async () => {
    const { task, stats } = counted({ intervalMs: 10_000, again: (n) => n < 3 });
    task.start();
    await until(() => stats.passes === 3 && stats.running === 0);
    await expectNoMorePasses(stats, 3);
  });

  it('wake() runs a pass now when idle, and right after the current one when busy', async () => {
    const { task, stats } = counted({ passMs: 20, intervalMs: 10_000 });
    task.start();
    await until(() => stats.running === 1);
    task.wake(); // busy: one more right after
    await until(() => stats.passes === 2 && stats.running === 0);
    await expectNoMorePasses(stats, 2);
    task.wake(); // idle: at once
    await until(() => stats.passes === 3);
    await task.stop();
    task.wake(); // stopped: nothing
    await expectNoMorePasses(stats, 3, true);
  });
});
