import type { DataSource } from 'typeorm';

/**
 * For periodic statements that walk a partial index up to a LIMIT in its key order. Without
 * fresh statistics Postgres may sort a bitmap scan instead, which visits every dead entry the
 * index keeps (a row leaves the index's predicate once; without a vacuum its entry stays) on
 * every pass; an index scan in key order stops at the LIMIT and marks the dead entries it
 * passes, so the next pass skips them. No sort is possible then, so the plan cannot drift.
 * JIT is off too: a sort left in the plan costs disable_cost, and a recursive CTE's estimate is
 * large, so the estimate passes jit_above_cost while the statement runs in milliseconds; JIT
 * would compile it on every pass (a retention batch: 2 s of compiling for 20 ms of work).
 * Both settings go in one round trip.
 */
export const ORDERED_WALK = 'SET LOCAL enable_sort = off; SET LOCAL jit = off';

export function orderedWalk<T>(db: DataSource, sql: string, params: unknown[]): Promise<T[]> {
  return db.transaction(async (em) => {
    await em.query(ORDERED_WALK);
    return em.query(sql, params);
  });
}
