import { Client, Pool } from 'pg';
import { Column, DataSource, Entity, PrimaryColumn, QueryRunner } from 'typeorm';
import { seal } from '../../libs/common/src/crypto';
import { OrgWebhookSecrets1764660000000 } from '../../libs/database/src/migrations/1764660000000-OrgWebhookSecrets';
import { entityDrift, schemaColumns } from '../support/entity-schema';
import { createTestDatabase, startTestApp, TestApp } from '../support/test-app';

/** Deliberately unlike the `workers` table: the comparison must report each difference. */
@Entity('workers')
class DriftedWorker {
  @PrimaryColumn('text') id: string;
  @Column('text', { nullable: true }) host: string | null;
  @Column('bigint') pid: string;
  @Column('timestamptz') started_at: Date;
  @Column('timestamptz', { default: () => 'now()' }) heartbeat_at: Date;
  @Column('text') nickname: string;
}

describe('entities and the migrated schema', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ withWorker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('every table has exactly one entity, registered by the app, and no entity names a table that does not exist', async () => {
    const ds = t.app.get(DataSource);
    expect(ds.options.synchronize).toBe(false);
    const entityTables = ds.entityMetadatas.map((m) => m.tableName).sort();
    expect(new Set(entityTables).size).toBe(entityTables.length);
    expect(entityTables).toEqual([...(await schemaColumns(t.db)).keys()].sort());
  });

  it("each entity's columns are the table's: names, types, nullability, primary key, defaults", async () => {
    const ds = t.app.get(DataSource);
    const tables = await schemaColumns(t.db);
    expect(ds.entityMetadatas.flatMap((m) => entityDrift(ds, m, tables.get(m.tableName)))).toEqual([]);
  });

  it('reports an entity that drifted from its table', async () => {
    const db = await createTestDatabase();
    const ds = await new DataSource({ type: 'postgres', url: db.url, entities: [DriftedWorker], synchronize: false }).initialize();
    const pool = new Pool({ connectionString: db.url, max: 1 });
    try {
      const drift = entityDrift(ds, ds.getMetadata(DriftedWorker), (await schemaColumns(pool)).get('workers'));
      expect(drift.sort()).toEqual([
        'workers.host: nullable is false in the table, true in the entity',
        'workers.nickname: not in the table',
        'workers.pid: type is integer in the table, bigint in the entity',
        'workers.started_at: default is now() in the table, null in the entity',
        'workers.stopped_at: not in the entity',
      ]);
    } finally {
      await pool.end();
      await ds.destroy();
    }
  });
});

describe('migration OrgWebhookSecrets', () => {
  it("moves each org's sealed secrets from orgs to org_webhook_secrets, and back down", async () => {
    const db = new Client({ connectionString: (await createTestDatabase()).url });
    await db.connect();
    const runner = { query: (sql: string) => db.query(sql) } as unknown as QueryRunner;
    const key = Buffer.alloc(32, 1);
    const current = seal(key, 'whsec_current', 'org-webhook-secret:mig-a');
    const previous = seal(key, 'whsec_previous', 'org-webhook-secret:mig-a');
    try {
      const migration = new OrgWebhookSecrets1764660000000();
      await migration.down(runner);
      await db.query(
        `INSERT INTO orgs (id, webhook_secret, webhook_secret_revealed_at, webhook_previous_secret, webhook_previous_secret_expires_at)
         VALUES ('mig-a', $1, '2026-01-02T03:04:05Z', $2, '2026-01-03T00:00:00Z'), ('mig-b', NULL, NULL, NULL, NULL),
                ('mig-c', 'whsec_set_by_hand', NULL, NULL, NULL)`,
        [current, previous],
      );
      await migration.up(runner);
      const { rows } = await db.query(
        `SELECT org_id, secret, revealed_at, previous_secret, previous_secret_expires_at FROM org_webhook_secrets ORDER BY org_id`,
      );
      expect(rows).toEqual([
        { org_id: 'mig-a', secret: current, revealed_at: new Date('2026-01-02T03:04:05Z'), previous_secret: previous,
          previous_secret_expires_at: new Date('2026-01-03T00:00:00Z') },
        { org_id: 'mig-c', secret: 'whsec_set_by_hand', revealed_at: null, previous_secret: null, previous_secret_expires_at: null },
      ]);
      const left = await db.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'orgs' AND column_name LIKE 'webhook%'`);
      expect(left.rows).toEqual([]);

      await migration.down(runner);
      const back = await db.query(`SELECT id, webhook_secret, webhook_previous_secret FROM orgs WHERE id LIKE 'mig-%' ORDER BY id`);
      expect(back.rows).toEqual([
        { id: 'mig-a', webhook_secret: current, webhook_previous_secret: previous },
        { id: 'mig-b', webhook_secret: null, webhook_previous_secret: null },
        { id: 'mig-c', webhook_secret: 'whsec_set_by_hand', webhook_previous_secret: null },
      ]);
    } finally {
      await db.end();
    }
  });
});
