import { LRUCache } from 'lru-cache';
import { backoffMs } from '@app/common/outbound';

/**
 * Per-process memory of schedules whose fire failed unexpectedly (not a 4xx: those are recorded
 * and the schedule advances). They are left alone for a doubling delay, so a broken schedule is
 * retried, but never in a hot loop. An entry is forgotten (bounded, TTL) a full maxMs after its
 * block ends without another failure, e.g. when its schedule was deleted: counting starts again.
 */
export class FailureBackoff {
  private readonly entries: LRUCache<string, { failures: number; until: number }>;

  constructor(private readonly baseMs: number, private readonly maxMs = 300_000) {
    this.entries = new LRUCache({ max: 10_000, ttl: 2 * maxMs, ttlResolution: 0, perf: { now: () => Date.now() } });
  }

  failed(id: string): number {
    const failures = (this.entries.get(id)?.failures ?? 0) + 1;
    const delay = backoffMs(failures, { baseMs: this.baseMs, maxStepMs: this.maxMs, jitter: false });
    this.entries.set(id, { failures, until: Date.now() + delay }, { ttl: delay + this.maxMs });
    return delay;
  }

  succeeded(id: string): void {
    this.entries.delete(id);
  }

  /** Ids to skip now. */
  blocked(): string[] {
    const now = Date.now();
    return [...this.entries.entries()].filter(([, e]) => e.until > now).map(([id]) => id);
  }
}
