import type { Queue } from 'bull';

const RECHECK_MS = 10_000;

/**
 * Which of some Bull job ids a queue no longer holds, for the reconcilers' sweeps: one
 * pipelined EXISTS per id, one round trip, instead of an addJob script per item and pass.
 * An id Bull was seen holding, when the caller says it may be remembered (an overdue item:
 * under a backlog the sweep sees the same thousands on every pass), is not asked about again
 * for RECHECK_MS; one Redis lost is found within that.
 */
export class BullPresence {
  private readonly seen = new Map<string, number>();

  constructor(private readonly queue: Queue) {}

  /** The items whose Bull job is gone (all of them if Redis cannot be asked: the adds will tell). */
  async missing<T>(items: T[], jobIdOf: (item: T) => string, mayRemember: (item: T) => boolean): Promise<T[]> {
    const now = Date.now();
    for (const [id, at] of this.seen) if (now - at > RECHECK_MS) this.seen.delete(id);
    const candidates = items.filter((item) => !this.seen.has(jobIdOf(item)));
    if (!candidates.length) return [];
    try {
      const pipeline = this.queue.client.pipeline();
      for (const item of candidates) pipeline.exists(this.queue.toKey(jobIdOf(item)));
      const results = (await pipeline.exec()) ?? [];
      return candidates.filter((item, i) => {
        const [err, exists] = results[i] ?? [null, 0];
        const queued = err === null && exists === 1;
        if (queued && mayRemember(item)) this.seen.set(jobIdOf(item), now);
        return !queued;
      });
    } catch {
      return candidates;
    }
  }
}
