/**
 * TypeORM's Postgres `query()` answers a top-level UPDATE or DELETE with `[rows, rowCount]`
 * and every other statement with `rows`: this gives the rows in both cases.
 */
export function rowsOf<T = Record<string, unknown>>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
