import DataLoader from 'dataloader';

export interface StatementBatcherOptions {
  /** Most items in one statement (bounds its size and how long its row locks are held). */
  maxBatch?: number;
}

/**
 * Coalesces the calls that arrive in the same turn of the event loop into one multi-row
 * statement (DataLoader, scheduled on setImmediate: a lone call waits for nothing, a burst of
 * requests or tasks read in one poll phase goes out together). On this 2-core VM each round
 * trip costs more CPU in socket writes than the SQL itself (docs/benchmarks.md), so one
 * statement for N jobs is where the throughput comes from.
 *
 * `runMany` answers one result per input, in order. If it throws (one bad row, a deadlock
 * between two batches), each item is run again alone, so one caller's failure never
 * becomes another's.
 */
export class StatementBatcher<I, O> {
  private readonly loader: DataLoader<I, O>;

  constructor(runMany: (items: readonly I[]) => Promise<O[]>, options: StatementBatcherOptions = {}) {
    this.loader = new DataLoader<I, O>(
      async (items) => {
        if (items.length === 1) return [await runMany(items).then((r) => r[0], (err: Error) => err)];
        try {
          return await runMany(items);
        } catch {
          return Promise.all(items.map((item) => runMany([item]).then((r) => r[0], (err: Error) => err)));
        }
      },
      { cache: false, maxBatchSize: options.maxBatch ?? 100, batchScheduleFn: (flush) => setImmediate(flush) },
    );
  }

  run(item: I): Promise<O> {
    return this.loader.load(item);
  }
}
