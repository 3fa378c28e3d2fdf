/** A missing event id below the feed's high-water: its insert is in flight, rolled back, or late. */
interface Hole {
  /** pg_current_snapshot() of the read that found it missing. */
  snapshot: string;
  since: number;
  /** Org streams' events above it wait for it (until STREAM_HOLE_WAIT_MS). */
  blocking: boolean;
}

export interface FeedHolesOptions {
  /** How long a hole holds back the org streams' events above it. */
  waitMs: number;
  /** How long a hole is watched at all (a late insert is still handed out). */
  watchMs: number;
  /** Most holes watched at once (a sequence jump never fills memory). */
  max: number;
}

/**
 * The event ids the feed walked past without finding: bigserial ids are taken at insert
 * and become visible at commit, so a lower id can appear after a higher one. A hole leaves
 * when its event shows up, when it is known never to come (every transaction in progress
 * when it was found has ended and it is still missing: a rollback), or when it is too old.
 */
export class FeedHoles {
  // Map order is insertion order, which is ascending id: holes are opened in walk order.
  private readonly holes = new Map<number, Hole>();

  constructor(private readonly options: FeedHolesOptions) {}

  get size(): number {
    return this.holes.size;
  }

  /** Ids `from`..`to` were skipped by a read taken at `snapshot`. */
  open(from: number, to: number, snapshot: string, blocking: boolean, now: number): void {
    for (let id = Math.max(from, to - this.options.max + 1); id <= to; id++) this.holes.set(id, { snapshot, since: now, blocking });
    for (const id of this.holes.keys()) {
      if (this.holes.size <= this.options.max) break;
      this.holes.delete(id);
    }
  }

  /** A hole's event arrived: the hole leaves. */
  fill(id: number): boolean {
    return this.holes.delete(id);
  }

  ids(): number[] {
    return [...this.holes.keys()];
  }

  idsUpTo(upTo: number): number[] {
    return this.ids().filter((id) => id <= upTo);
  }

  snapshots(): string[] {
    return [...new Set([...this.holes.values()].map((h) => h.snapshot))];
  }

  /**
   * After a read that found these holes still missing: those whose snapshot's transactions
   * had all ended when the read began are permanent; blocking ones past waitMs stop
   * blocking; any past watchMs are given up.
   */
  age(settledSnapshots: ReadonlySet<string>, now: number): void {
    for (const [id, hole] of this.holes) {
      if (settledSnapshots.has(hole.snapshot) || now - hole.since >= this.options.watchMs) this.holes.delete(id);
      else if (hole.blocking && now - hole.since >= this.options.waitMs) hole.blocking = false;
    }
  }

  /** The lowest hole that still holds back org streams. */
  firstBlocking(): number | undefined {
    for (const [id, hole] of this.holes) if (hole.blocking) return id;
    return undefined;
  }

  clear(): void {
    this.holes.clear();
  }
}
