/** Where the tests find Postgres and Redis; never the dev database. */
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/1';
/**
 * Each jest run has its own id (set by global-setup, inherited by the workers), so
 * concurrent runs on one machine never drop each other's databases.
 */
export const runId = () => process.env.AGENT_JOBS_TEST_RUN ?? 'adhoc';
export const DB_PREFIX = 'agent_jobs_t_';
export const templateDb = () => `${DB_PREFIX}${runId()}_tpl`;
export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export function databaseUrl(name: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
