import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * docs/decisions.md "Table ownership": only the library that declares a table's entity writes
 * SQL that names it; others go through its service, a port or the fragments it exports. This
 * reads every source file of libs/ (specs and migrations aside) and finds statements naming a
 * table of another library, with the owners taken from the @Entity declarations.
 */
const ROOT = join(__dirname, '..', '..', '..');
const LIBS = join(ROOT, 'libs');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'migrations' ? [] : sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [path] : [];
  });
}

const libOf = (path: string) => relative(LIBS, path).split('/')[0];
/** Comments may name any table: a statement is what counts. */
const withoutComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1').replace(/--.*$/gm, '');

const files = sources(LIBS).map((path) => ({ path, lib: libOf(path), text: readFileSync(path, 'utf8') }));

function owners(): Map<string, string> {
  const found = new Map<string, string>();
  for (const f of files) for (const m of f.text.matchAll(/@Entity\('([a-z_]+)'\)/g)) found.set(m[1], f.lib);
  return found;
}

/** `lib: file: KEYWORD table` for every statement of a library on another library's table. */
function foreignStatements(tables: Map<string, string>): string[] {
  const statement = /\b(FROM|JOIN|UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+([a-z_]+)\b/g;
  return files.flatMap((f) => [...withoutComments(f.text).matchAll(statement)]
    .filter((m) => tables.has(m[2]) && tables.get(m[2]) !== f.lib)
    .map((m) => `${f.lib}: ${relative(ROOT, f.path)}: ${m[1].replace(/\s+/g, ' ')} ${m[2]} (owned by ${tables.get(m[2])})`));
}

describe('table ownership in the SQL of libs/', () => {
  const tables = owners();

  it('knows the owner of every table, from the entities', () => {
    expect(Object.fromEntries(tables)).toMatchObject({
      jobs: 'jobs', job_events: 'jobs', channel_posts: 'channels', sessions: 'sessions', session_messages: 'sessions',
      job_types: 'job-types', schedules: 'schedules', webhook_deliveries: 'observers', api_tokens: 'auth',
    });
  });

  it('finds a statement on a foreign table (the check can fail)', () => {
    const probe = { path: join(LIBS, 'channels', 'src', 'probe.ts'), lib: 'channels', text: 'const q = `SELECT id\n  FROM jobs WHERE id = $1`;' };
    files.push(probe);
    try {
      expect(foreignStatements(tables)).toContain('channels: libs/channels/src/probe.ts: FROM jobs (owned by jobs)');
    } finally {
      files.splice(files.indexOf(probe), 1);
    }
  });

  it('has no statement of one library on a table another library owns', () => {
    expect(foreignStatements(tables)).toEqual([]);
  });
});
