import type { DataSource } from 'typeorm';

/**
 * For periodic statements that walk a partial index up to a LIMIT in its key order. Without
 * fresh statistics Postgres may sort a bitmap scan instead, which visits every dead entry the
 * index keeps (a row leaves the index's predicate once; without a vacuum its entry stays) on
 * every pass; an index scan in key order stops at the LIMIT and marks the dead entries it
 * passes, so the next pass skips them. No sort is possible then, so the plan cannot drift.
 */
export const ORDERED_WALK = 'SET LOCAL enable_sort = off';

/**
 * For a statement whose estimated cost passes jit_above_cost (a recursive CTE's estimate; any
 * sort left under ORDERED_WALK, which adds disable_cost) while it really runs in milliseconds:
 * JIT would compile it on every run (a retention batch: 2 s of compiling for 20 ms of work).
 */
export const NO_JIT = 'SET LOCAL jit = off';

export function orderedWalk<T>(db: DataSource, sql: string, params: unknown[], opts: { jit?: boolean } = {}): Promise<T[]> {
  return db.transaction(async (em) => {
    await em.query(ORDERED_WALK);
    if (opts.jit === false) await em.query(NO_JIT);
    return em.query(sql, params);
  });
}
