import type { DataSource } from 'typeorm';

/**
 * For periodic statements that walk a partial index up to a LIMIT in its key order. Without
 * fresh statistics Postgres may sort a bitmap scan instead, which visits every dead entry the
 * index keeps (a row leaves the index's predicate once; without a vacuum its entry stays) on
 * every pass; an index scan in key order stops at the LIMIT and marks the dead entries it
 * passes, so the next pass skips them. No sort is possible then, so the plan cannot drift.
 */
export const ORDERED_WALK = 'SET LOCAL enable_sort = off';

export function orderedWalk<T>(db: DataSource, sql: string, params: unknown[]): Promise<T[]> {
  return db.transaction(async (em) => {
    await em.query(ORDERED_WALK);
    return em.query(sql, params);
  });
}
