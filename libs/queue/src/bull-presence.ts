import type { Queue } from 'bull';
import { LRUCache } from 'lru-cache';

const RECHECK_MS = 10_000;
/** Bounds the memory of a sweep over a huge backlog; an id pushed out is only asked about again. */
const MAX_REMEMBERED = 100_000;

/**
 * Which of some Bull job ids a queue no longer holds, for the reconcilers' sweeps: one
 * pipelined EXISTS per id, one round trip, instead of an addJob script per item and pass.
 * An id Bull was seen holding, when the caller says it may be remembered (an overdue item:
 * under a backlog the sweep sees the same thousands on every pass), is not asked about again
 * for RECHECK_MS; one Redis lost is found within that, or at once when the loss is noticed
 * (forget(), see RedisEpoch).
 */
export class BullPresence {
  private readonly seen = new LRUCache<string, true>({ max: MAX_REMEMBERED, ttl: RECHECK_MS });

  constructor(private readonly queue: Queue) {}

  /** The items whose Bull job is gone (all of them if Redis cannot be asked: the adds will tell). */
  async missing<T>(items: T[], jobIdOf: (item: T) => string, mayRemember: (item: T) => boolean): Promise<T[]> {
    const candidates = items.filter((item) => !this.seen.has(jobIdOf(item)));
    if (!candidates.length) return [];
    try {
      const pipeline = this.queue.client.pipeline();
      for (const item of candidates) pipeline.exists(this.queue.toKey(jobIdOf(item)));
      const results = (await pipeline.exec()) ?? [];
      return candidates.filter((item, i) => {
        const [err, exists] = results[i] ?? [null, 0];
        const queued = err === null && exists === 1;
        if (queued && mayRemember(item)) this.seen.set(jobIdOf(item), true);
        return !queued;
      });
    } catch {
      return candidates;
    }
  }

  /** Redis lost its data: what it was seen holding says nothing any more. */
  forget(): void {
    this.seen.clear();
  }
}
