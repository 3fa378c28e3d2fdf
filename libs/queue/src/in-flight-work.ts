import { setTimeout as sleep } from 'node:timers/promises';

/** Counts the work a process has in flight, so that a shutdown can wait for it (up to a grace). */
export class InFlightWork {
  private running = 0;

  get count(): number {
    return this.running;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
    }
  }

  /** Resolves when nothing is in flight, or after graceMs. */
  async settled(graceMs: number): Promise<void> {
    const until = Date.now() + graceMs;
    while (this.running > 0 && Date.now() < until) await sleep(25);
  }
}
