import { Client } from 'pg';
import { DB_PREFIX, PG_ADMIN_URL, runId } from './test-env';

/** Drops this run's databases (and only this run's). */
export default async function globalTeardown(): Promise<void> {
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    const dbs = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${DB_PREFIX}${runId()}_%`]);
    for (const { datname } of dbs.rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
