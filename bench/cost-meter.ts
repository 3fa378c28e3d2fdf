/**
 * What one measured window cost, by process and in Postgres writes: CPU seconds of the
 * service processes, of this database's Postgres backends (plus the shared WAL writer,
 * checkpointer and background writer) and of redis-server, all from /proc utime + stime;
 * row versions per table (pg_stat_user_tables), index entries they imply, and WAL bytes
 * (pg_current_wal_lsn). Read it as a ratio within one run: the machine is shared, and WAL
 * and redis-server are cluster-wide.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { commandCpuSeconds, databaseUrl, processCpuSeconds, sleep, withPg } from './harness';

export interface TableWrites {
  ins: number;
  upd: number;
  hot: number;
  del: number;
  /** Indexes on the table without a predicate (every non-HOT version adds an entry to each). */
  indexes: number;
  /** Partial indexes: a version adds an entry only when it matches the predicate (e.g. status = 'RUNNING'). */
  partial: number;
}

export interface WriteCounts {
  tables: Record<string, TableWrites>;
  /** pg_current_wal_lsn: cluster-wide, other databases' writes included. */
  walBytes: number;
  /** WAL of this database's transactions alone (pg_walinspect), once measured by databaseWal. */
  ownWalBytes?: number;
  /** Of which full-page images (the first change of a page after a checkpoint). */
  ownFpiBytes?: number;
  /** This database's WAL by record type (resource manager / record), largest first. */
  ownWalByRecord?: Array<{ record: string; n: number; bytes: number }>;
  lsn: string;
  commits: number;
}

export interface WindowCost {
  /** CPU seconds over the window, by process group. */
  cpu: Record<string, number>;
  writes: WriteCounts;
}

/** Postgres processes that serve every database (their CPU is counted whole, and shared). */
const SHARED_PG = /^postgres: (\S+: )?(walwriter|checkpointer|background writer)/;

export async function writeCounts(database: string): Promise<WriteCounts> {
  return withPg(databaseUrl(database), async (c) => {
    const { rows: [w] } = await c.query(
      `SELECT pg_current_wal_lsn()::text AS lsn, pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 AS wal, d.xact_commit::float8 AS commits
       FROM pg_stat_database d WHERE d.datname = current_database()`);
    const t = await c.query(
      `SELECT s.relname, s.n_tup_ins::float8 AS ins, s.n_tup_upd::float8 AS upd, s.n_tup_hot_upd::float8 AS hot, s.n_tup_del::float8 AS del,
              (SELECT count(*)::int FROM pg_index i WHERE i.indrelid = s.relid AND i.indpred IS NULL) AS indexes,
              (SELECT count(*)::int FROM pg_index i WHERE i.indrelid = s.relid AND i.indpred IS NOT NULL) AS partial
       FROM pg_stat_user_tables s`);
    const tables: WriteCounts['tables'] = {};
    for (const r of t.rows) tables[r.relname] = { ins: r.ins, upd: r.upd, hot: r.hot, del: r.del, indexes: r.indexes, partial: r.partial };
    return { tables, walBytes: Number(w.wal), commits: Number(w.commits), lsn: w.lsn };
  });
}

/** b - a, per table; tables without writes left out. */
export function writesBetween(a: WriteCounts, b: WriteCounts): WriteCounts {
  const tables: WriteCounts['tables'] = {};
  for (const [name, t] of Object.entries(b.tables)) {
    const z = a.tables[name] ?? { ins: 0, upd: 0, hot: 0, del: 0 };
    const d = { ins: t.ins - z.ins, upd: t.upd - z.upd, hot: t.hot - z.hot, del: t.del - z.del, indexes: t.indexes, partial: t.partial };
    if (d.ins + d.upd + d.del > 0) tables[name] = d;
  }
  return { tables, walBytes: b.walBytes - a.walBytes, commits: b.commits - a.commits, lsn: b.lsn };
}

let slots = 0;

/**
 * Keeps the WAL from now on until release() (a temporary physical replication slot, dropped
 * with its session): without it a checkpoint may recycle the window's segments before
 * databaseWal reads them back, when other databases write a lot.
 */
export async function holdWal(): Promise<{ release: () => Promise<void> }> {
  const { Client } = await import('pg');
  const c = new Client({ connectionString: databaseUrl('postgres') });
  await c.connect();
  try {
    await c.query(`SELECT pg_create_physical_replication_slot($1, true, true)`, [`agent_jobs_bench_wal_${process.pid}_${++slots}`]);
  } catch (err) {
    console.log(`   (WAL not held for the window: ${(err as Error).message})`);
  }
  return { release: () => c.end() };
}

/**
 * The WAL written for this database between two LSNs: records that touch its relations
 * (block references name the database's oid) and every record of a transaction that did
 * (commit records), read back with pg_walinspect. The machine's other databases are left out.
 */
export async function databaseWal(database: string, from: string, to: string): Promise<{ bytes: number; fpi: number; byRecord: Array<{ record: string; n: number; bytes: number }> } | null> {
  return withPg(databaseUrl(database), async (c) => {
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
    const { rows: [r] } = await c.query(
      `WITH r AS (
         SELECT xid::text::bigint AS xid, record_length, fpi_length, resource_manager, record_type,
                block_ref LIKE '%rel %/' || (SELECT oid FROM pg_database WHERE datname = current_database()) || '/%' AS ours
         FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn)
       ), mine AS (SELECT DISTINCT xid FROM r WHERE ours AND xid <> 0
       ), kept AS (SELECT * FROM r WHERE ours OR xid IN (SELECT xid FROM mine))
       SELECT coalesce(sum(record_length), 0)::float8 AS bytes, coalesce(sum(fpi_length), 0)::float8 AS fpi,
              (SELECT json_agg(x ORDER BY x.bytes DESC) FROM (
                 SELECT resource_manager || '/' || record_type AS record, count(*)::float8 AS n, sum(record_length)::float8 AS bytes
                 FROM kept GROUP BY 1) x) AS by_record
       FROM kept`, [from, to]);
    return { bytes: r.bytes, fpi: r.fpi, byRecord: r.by_record ?? [] };
  }).catch((err) => {
    console.log(`   (WAL of this database not measured: ${(err as Error).message})`);
    return null;
  });
}

/** Per table: row versions (inserts + updates), of which HOT, and the index entries they add. */
export function writesPerJob(w: WriteCounts, jobs: number) {
  const per = (n: number) => n / Math.max(1, jobs);
  const rows = Object.entries(w.tables).map(([table, t]) => ({
    table,
    versions: per(t.ins + t.upd),
    hot: per(t.hot),
    // A HOT update adds no index entry; an insert or other update adds one to every full index,
    // and to each partial index whose predicate it matches (at most one per version: the bound).
    indexEntries: per((t.ins + t.upd - t.hot) * t.indexes),
    partialBound: per((t.ins + t.upd - t.hot) * t.partial),
    indexes: t.indexes,
    partial: t.partial,
    del: per(t.del),
  })).sort((a, b) => b.versions - a.versions);
  const sum = (k: 'versions' | 'hot' | 'indexEntries' | 'partialBound') => rows.reduce((s, r) => s + r[k], 0);
  return {
    rows, versions: sum('versions'), hot: sum('hot'), indexEntries: sum('indexEntries'), partialBound: sum('partialBound'),
    walBytes: per(w.walBytes), ownWalBytes: w.ownWalBytes === undefined ? undefined : per(w.ownWalBytes),
    ownFpiBytes: w.ownFpiBytes === undefined ? undefined : per(w.ownFpiBytes), commits: per(w.commits),
    walByRecord: (w.ownWalByRecord ?? []).slice(0, 8).map((x) => ({ record: x.record, n: per(x.n), bytes: per(x.bytes) })),
  };
}

export function formatWrites(p: ReturnType<typeof writesPerJob>): string[] {
  return [
    `row versions per job ${p.versions.toFixed(2)} (${p.hot.toFixed(2)} of them HOT), index entries ${p.indexEntries.toFixed(1)} in full indexes `
      + `+ at most ${p.partialBound.toFixed(1)} in partial ones, WAL `
      + (p.ownWalBytes !== undefined ? `${(p.ownWalBytes / 1024).toFixed(2)} KiB of this database (${(p.ownFpiBytes! / 1024).toFixed(2)} KiB full-page images), ` : '')
      + `${(p.walBytes / 1024).toFixed(1)} KiB cluster-wide, ${p.commits.toFixed(2)} commits`,
    ...(p.walByRecord.length ? [`  WAL by record, per job: ${p.walByRecord.map((x) => `${x.record} ${x.n.toFixed(2)} x = ${Math.round(x.bytes)} B`).join(', ')}`] : []),
    ...p.rows.map((r) => `  ${r.table.padEnd(16)} ${r.versions.toFixed(2)} versions (${r.hot.toFixed(2)} HOT); ${r.indexes} indexes + ${r.partial} partial `
      + `-> ${r.indexEntries.toFixed(1)} + <= ${r.partialBound.toFixed(1)} index entries`
      + (r.del ? `, ${r.del.toFixed(2)} deletes` : '')),
  ];
}

/**
 * CPU of a database's backends (none: database null): pids are sampled every 250 ms (pool connections live the
 * whole window; one that starts inside it counts from zero), plus the shared processes.
 */
export function startCpuMeter(database: string | null, services: Array<{ label: string; cpuSeconds: () => number }>) {
  const base = new Map<number, number>();
  const last = new Map<number, number>();
  const shared = sharedPgPids();
  const service0 = services.map((s) => s.cpuSeconds());
  const shared0 = shared.reduce((s, pid) => s + processCpuSeconds(pid), 0);
  const redis0 = commandCpuSeconds('redis-server');
  const self0 = process.cpuUsage();
  let running = true;
  let first = true;
  const sample = async (c: import('pg').Client) => {
    const { rows } = await c.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [database]);
    for (const { pid } of rows) {
      const cpu = processCpuSeconds(pid);
      if (!Number.isFinite(cpu)) continue;
      if (!base.has(pid)) base.set(pid, first ? cpu : 0);
      last.set(pid, cpu);
    }
    first = false;
  };
  const loop = database === null ? Promise.resolve() : withPg(databaseUrl(database), async (c) => {
    while (running) {
      await sample(c);
      await sleep(250);
    }
    await sample(c);
  });
  return {
    async stop(): Promise<Record<string, number>> {
      running = false;
      await loop;
      const out: Record<string, number> = {};
      services.forEach((s, i) => { out[s.label] = s.cpuSeconds() - service0[i]; });
      if (database !== null) out.postgres = [...last].reduce((s, [pid, cpu]) => s + cpu - (base.get(pid) ?? 0), 0)
        + shared.reduce((s, pid) => s + processCpuSeconds(pid), 0) - shared0;
      out.redis = commandCpuSeconds('redis-server') - redis0;
      const self = process.cpuUsage(self0);
      out.bench = (self.user + self.system) / 1e6;
      return out;
    },
  };
}

function sharedPgPids(): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const cmdline = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (SHARED_PG.test(cmdline)) pids.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return pids;
}
