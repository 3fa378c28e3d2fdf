import { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations';

/**
 * `connectTimeoutMs` bounds both a new connection's connect and the wait for a free pooled one
 * (pg-pool's connectionTimeoutMillis): with Postgres unreachable a request fails (503) after
 * that long instead of hanging. 0: no bound (pg's default).
 */
export function dataSourceOptions(databaseUrl: string, poolSize: number, connectTimeoutMs = 0): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    extra: { max: poolSize, connectionTimeoutMillis: connectTimeoutMs },
  };
}
