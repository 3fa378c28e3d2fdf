import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../libs/database/src/data-source-options';
import { runMigrationsLocked } from '../../libs/database/src/run-migrations';
import { databaseUrl, DB_PREFIX, PG_ADMIN_URL, templateDb } from './test-env';

const STALE_AFTER_MS = 3 * 3600_000;

/** Builds this run's migrated template database; each test file clones it (CREATE DATABASE ... TEMPLATE). */
export default async function globalSetup(): Promise<void> {
  // Run ids start with the start time (base 36), so leftovers of killed runs can be aged out.
  process.env.AGENT_JOBS_TEST_RUN = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    const all = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE '${DB_PREFIX}%'`);
    for (const { datname } of all.rows as Array<{ datname: string }>) {
      const started = parseInt(datname.slice(DB_PREFIX.length, DB_PREFIX.length + 8), 36);
      if (Number.isFinite(started) && Date.now() - started > STALE_AFTER_MS) {
        await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    }
    await admin.query(`CREATE DATABASE "${templateDb()}"`);
  } finally {
    await admin.end();
  }
  const ds = await new DataSource(dataSourceOptions(databaseUrl(templateDb()), 2)).initialize();
  try {
    await runMigrationsLocked(ds, databaseUrl(templateDb()));
  } finally {
    await ds.destroy();
  }
}
