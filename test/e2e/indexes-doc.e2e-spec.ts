import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { createTestDatabase } from '../support/test-app';

/**
 * Every index costs an entry per non-HOT row version (issue 12 measures ~50 per job), so each
 * one the migrations create must be named in docs/indexes.md with the statement it serves; a
 * dropped one must be gone from the database and stay listed only under "Dropped".
 */
describe('docs/indexes.md names every index of the migrated schema', () => {
  const doc = readFileSync(path.resolve(__dirname, '../../docs/indexes.md'), 'utf8');
  const [kept, dropped] = [doc.slice(doc.indexOf('## Kept')), doc.slice(doc.indexOf('## Dropped'), doc.indexOf('## Kept'))];
  let indexes: string[];

  beforeAll(async () => {
    const db = await createTestDatabase();
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      const { rows } = await c.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`);
      indexes = rows.map((r) => r.indexname as string);
    } finally {
      await c.end();
    }
  });

  it('lists each index under "Kept"', () => {
    expect(indexes.length).toBeGreaterThan(40);
    expect(indexes.filter((name) => !kept.includes(`\`${name}\``))).toEqual([]);
  });

  it('lists under "Dropped" only indexes the schema no longer has', () => {
    const names = [...dropped.matchAll(/^\| `([a-z_]+)`/gm)].map((m) => m[1]);
    expect(names).toContain('tasks_running_lease_idx');
    expect(names.filter((name) => indexes.includes(name))).toEqual([]);
  });
});
