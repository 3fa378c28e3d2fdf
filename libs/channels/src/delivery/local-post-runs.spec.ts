import { Logger } from '@nestjs/common';
import { LocalPostRuns } from './local-post-runs';

const post = (n: number) => ({ org_id: 'org_a', job_id: `job_${n}`, task_id: `task_${n}` });

describe('LocalPostRuns', () => {
  const logger = new Logger('test');

  it('takes posts up to its limit, then answers false so they go to the queue', async () => {
    const release: Array<() => void> = [];
    const ran: string[] = [];
    const runs = new LocalPostRuns(2, (p) => new Promise<void>((r) => { ran.push(p.task_id); release.push(r); }), logger);
    expect(runs.tryRun(post(1), 'post:task_1')).toBe(true);
    expect(runs.tryRun(post(2), 'post:task_2')).toBe(true);
    expect(runs.tryRun(post(3), 'post:task_3')).toBe(false);
    expect(ran).toEqual(['task_1', 'task_2']);
    release.shift()!();
    await new Promise((r) => setImmediate(r));
    expect(runs.tryRun(post(4), 'post:task_4')).toBe(true);
    release.forEach((r) => r());
  });

  it('refuses new posts once draining, and waits for those in flight', async () => {
    let finish!: () => void;
    const runs = new LocalPostRuns(5, () => new Promise<void>((r) => { finish = r; }), logger);
    expect(runs.tryRun(post(1), 'post:task_1')).toBe(true);
    let drained = false;
    const draining = runs.drain(5000).then(() => { drained = true; });
    expect(runs.tryRun(post(2), 'post:task_2')).toBe(false);
    await new Promise((r) => setTimeout(r, 60));
    expect(drained).toBe(false);
    finish();
    await draining;
    expect(drained).toBe(true);
  });

  it('a run that throws is logged, frees its place, and never rejects the caller', async () => {
    const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const runs = new LocalPostRuns(1, async () => { throw new Error('database gone'); }, logger);
    expect(runs.tryRun(post(1), 'post:task_1')).toBe(true);
    expect(runs.tryRun(post(2), 'post:task_2')).toBe(false);
    await new Promise((r) => setTimeout(r, 10));
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('task_1 failed: database gone'));
    expect(runs.tryRun(post(3), 'post:task_3')).toBe(true);
    await runs.drain(1000);
  });
});
