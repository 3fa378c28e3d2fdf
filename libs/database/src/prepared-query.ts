import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

let generation = 0;
const hashes = new Map<string, string>();

/**
 * Runs a statement as a named (prepared) statement on the data source's pool: each pooled
 * connection parses and plans it once instead of on every call. For the hot statements
 * whose text is fixed (or comes from a small set): on the bench machine Postgres spends
 * ~0.3-0.8 ms parsing and planning each of the CTEs of the job lifecycle (docs/benchmarks.md).
 *
 * After a migration changes a table, Postgres refuses a cached plan whose result columns
 * changed ("cached plan must not change result type", 0A000, raised before anything runs):
 * every name then changes and the statement is prepared again.
 * Not for statements inside a TypeORM transaction (they run on the transaction's connection).
 */
export async function preparedQuery<T = Record<string, unknown>>(db: DataSource, text: string, values: unknown[]): Promise<T[]> {
  const pool = (db.driver as PostgresDriver).master as Pool;
  let hash = hashes.get(text);
  if (!hash) {
    hash = createHash('sha1').update(text).digest('hex').slice(0, 20);
    if (hashes.size > 5000) hashes.clear();
    hashes.set(text, hash);
  }
  const run = () => pool.query({ name: `ps${generation}_${hash}`, text, values });
  try {
    return (await run()).rows as T[];
  } catch (err) {
    if ((err as { code?: string }).code !== '0A000') throw err;
    generation++;
    return (await run()).rows as T[];
  }
}
