import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../libs/database/src/data-source-options';
import { runMigrationsLocked } from '../../libs/database/src/run-migrations';
import { databaseUrl, PG_ADMIN_URL, TEMPLATE_DB } from './test-env';

/** Builds a migrated template database once; each test file clones it (CREATE DATABASE ... TEMPLATE). */
export default async function globalSetup(): Promise<void> {
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    // Drop leftovers of earlier runs that were killed before their teardown.
    const stale = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE 'agent_jobs_test_%'`);
    for (const { datname } of stale.rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${TEMPLATE_DB}"`);
  } finally {
    await admin.end();
  }
  const ds = await new DataSource(dataSourceOptions(databaseUrl(TEMPLATE_DB), 2)).initialize();
  try {
    await runMigrationsLocked(ds, databaseUrl(TEMPLATE_DB));
  } finally {
    await ds.destroy();
  }
}
