import type { QueryRunner } from 'typeorm';

/**
 * CREATE INDEX CONCURRENTLY (writers are not blocked while it builds; the migration must have
 * `transaction = false`). An interrupted build leaves an invalid index behind, which IF NOT
 * EXISTS would keep: it is dropped and built again.
 */
export async function createIndexConcurrently(q: QueryRunner, name: string, on: string): Promise<void> {
  const [left] = await q.query(
    `SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = $1 AND NOT i.indisvalid`, [name],
  );
  if (left) await q.query(`DROP INDEX CONCURRENTLY ${name}`);
  await q.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${name} ON ${on}`);
}
