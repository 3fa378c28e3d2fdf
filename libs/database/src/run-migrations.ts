import { Client } from 'pg';
import { DataSource } from 'typeorm';

// Arbitrary constant shared by every replica: "agent-jobs migrations".
const MIGRATION_LOCK_KEY = 740_118_205;

/**
 * Runs pending migrations while holding a Postgres advisory lock on a dedicated
 * connection, so replicas starting together migrate one at a time.
 */
export async function runMigrationsLocked(dataSource: DataSource, databaseUrl: string): Promise<string[]> {
  const lock = new Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const ran = await dataSource.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.end();
  }
}
