import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata';

interface DbColumn {
  table_name: string;
  column_name: string;
  is_nullable: 'YES' | 'NO';
  data_type: string;
  udt_name: string;
  column_default: string | null;
  primary: boolean;
}

/** A column as both sides can state it: type (arrays as `text[]`), nullability, primary key, default. */
interface Shape {
  type: string;
  nullable: boolean;
  primary: boolean;
  default: string | null;
}

// Casts and quotes are spelled differently by Postgres ('{}'::jsonb) and TypeORM ('{}', '0' for 0).
const plainDefault = (d: string) => d.replace(/::[\w\s.[\]"-]+/g, '').replace(/'/g, '');

function dbShape(c: DbColumn): Shape {
  const def = c.column_default;
  return {
    type: c.data_type === 'ARRAY' ? `${c.udt_name.replace(/^_/, '')}[]` : c.data_type,
    nullable: c.is_nullable === 'YES',
    primary: c.primary,
    default: def === null ? null : def.startsWith('nextval(') ? 'generated' : plainDefault(def),
  };
}

function entityShape(ds: DataSource, c: ColumnMetadata): Shape {
  const def = c.isGenerated ? 'generated' : c.isCreateDate || c.isUpdateDate ? 'now()' : ds.driver.normalizeDefault(c);
  return {
    type: `${ds.driver.normalizeType(c)}${c.isArray ? '[]' : ''}`,
    nullable: c.isNullable,
    primary: c.isPrimary,
    default: def === undefined || def === null ? null : plainDefault(def),
  };
}

/** The public tables (but TypeORM's migrations table) with their columns, from information_schema. */
export async function schemaColumns(db: Pool): Promise<Map<string, Map<string, DbColumn>>> {
  const { rows } = await db.query<DbColumn>(`
    SELECT c.table_name, c.column_name, c.is_nullable, c.data_type, c.udt_name, c.column_default,
           EXISTS (SELECT 1 FROM information_schema.table_constraints tc
                   JOIN information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name AND k.table_name = tc.table_name
                   WHERE tc.table_schema = 'public' AND tc.table_name = c.table_name AND tc.constraint_type = 'PRIMARY KEY'
                     AND k.column_name = c.column_name) AS primary
    FROM information_schema.columns c JOIN information_schema.tables t ON t.table_name = c.table_name AND t.table_schema = c.table_schema
    WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.table_name <> 'schema_migrations'`);
  const tables = new Map<string, Map<string, DbColumn>>();
  for (const r of rows) {
    if (!tables.has(r.table_name)) tables.set(r.table_name, new Map());
    tables.get(r.table_name)!.set(r.column_name, r);
  }
  return tables;
}

/** Where the entity differs from its table, one line per difference (empty: they agree). */
export function entityDrift(ds: DataSource, entity: EntityMetadata, table: Map<string, DbColumn> | undefined): string[] {
  const name = entity.tableName;
  if (!table) return [`${name}: no such table`];
  const drift: string[] = [];
  const declared = new Set(entity.columns.map((c) => c.databaseName));
  for (const column of table.keys()) if (!declared.has(column)) drift.push(`${name}.${column}: not in the entity`);
  for (const c of entity.columns) {
    const db = table.get(c.databaseName);
    if (!db) {
      drift.push(`${name}.${c.databaseName}: not in the table`);
      continue;
    }
    const [want, got] = [dbShape(db), entityShape(ds, c)];
    for (const key of Object.keys(want) as Array<keyof Shape>) {
      if (want[key] !== got[key]) drift.push(`${name}.${c.databaseName}: ${key} is ${String(want[key])} in the table, ${String(got[key])} in the entity`);
    }
  }
  return drift;
}
