import DataLoader from 'dataloader';

export interface StatementBatcherOptions<I> {
  /** Most items in one statement (bounds its size and how long its row locks are held). */
  maxBatch?: number;
  /**
   * Items with the same key never share a statement: the later ones go in a following
   * statement, after the earlier one has committed. For rows one statement cannot change
   * twice and report to two callers (the same task claimed twice), or whose effects would
   * each miss the other (two posts of one job summarized in one snapshot).
   */
  conflictKey?: (item: I) => string;
}

/**
 * Coalesces the calls that arrive in the same turn of the event loop into one multi-row
 * statement (DataLoader, scheduled on setImmediate: a lone call waits for nothing, a burst of
 * requests or tasks read in one poll phase goes out together). On this 2-core VM each round
 * trip costs more CPU in socket writes than the SQL itself (docs/benchmarks.md), so one
 * statement for N jobs is where the throughput comes from.
 *
 * `runMany` answers one result per input, in order; an Error in an item's place rejects that
 * item's call alone (a row the statement refused for its own reason). If it throws (one bad
 * row, a deadlock between two batches), each item is run again alone, so one caller's failure
 * never becomes another's.
 */
export class StatementBatcher<I, O> {
  private readonly loader: DataLoader<I, O>;

  constructor(private readonly runMany: (items: readonly I[]) => Promise<Array<O | Error>>, options: StatementBatcherOptions<I> = {}) {
    const { conflictKey } = options;
    this.loader = new DataLoader<I, O>(
      async (items) => {
        if (!conflictKey) return this.runBatch(items);
        const results: Array<O | Error> = new Array(items.length);
        for (const round of rounds(items, conflictKey)) {
          const out = await this.runBatch(round.map((i) => items[i]));
          round.forEach((itemIndex, k) => { results[itemIndex] = out[k]; });
        }
        return results;
      },
      { cache: false, maxBatchSize: options.maxBatch ?? 100, batchScheduleFn: (flush) => setImmediate(flush) },
    );
  }

  run(item: I): Promise<O> {
    return this.loader.load(item);
  }

  private async runBatch(items: readonly I[]): Promise<Array<O | Error>> {
    const alone = (item: I) => this.runMany([item]).then((r) => r[0], (err: Error) => err);
    if (items.length === 1) return [await alone(items[0])];
    try {
      return await this.runMany(items);
    } catch {
      return Promise.all(items.map(alone));
    }
  }
}

/** Indexes of `items` in rounds where no key repeats; each item in the first round it fits. */
function rounds<I>(items: readonly I[], keyOf: (item: I) => string): number[][] {
  const result: Array<{ keys: Set<string>; indexes: number[] }> = [];
  items.forEach((item, index) => {
    const key = keyOf(item);
    let round = result.find((r) => !r.keys.has(key));
    if (!round) result.push((round = { keys: new Set(), indexes: [] }));
    round.keys.add(key);
    round.indexes.push(index);
  });
  return result.map((r) => r.indexes);
}

/** Statement parameters for `unnest()`: one array per column, one element per item. */
export function columns<I>(items: readonly I[], ...fields: Array<(item: I) => unknown>): unknown[][] {
  return fields.map((field) => items.map(field));
}
