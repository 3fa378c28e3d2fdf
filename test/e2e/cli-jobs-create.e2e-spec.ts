import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { echoTenant } from '../support/jobs';
import { Child, CLI_MAIN } from '../support/processes';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * `cli jobs create --file` as operators run it: the built CLI in a child process, sending an
 * NDJSON file to a real API (this file's app, with a worker) through the batch route.
 */

const ROOT = join(__dirname, '..', '..');

interface Summary {
  created: number;
  failed: number;
  failures: Array<{ line: number; status: number | null; code: string; detail: string }>;
}

beforeAll(() => {
  if (existsSync(CLI_MAIN)) return;
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: 170_000 });
  if (build.status !== 0) throw new Error(`npm run build failed (status ${build.status})`);
}, 180_000);

describe('cli jobs create --file', () => {
  let t: TestApp;
  let tenant: Awaited<ReturnType<typeof echoTenant>>;
  let dir: string;

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await echoTenant(t, 'cli-batch');
    dir = await mkdtemp(join(tmpdir(), 'cli-batch-'));
  });
  afterAll(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const job = (i: number, jobType = 'echo') =>
    JSON.stringify({ target_channel: { org_id: tenant.org, platform: 'slack', code: 'C0CLI' }, job_type_id: jobType, params: { i } });
  const countJobs = async () => Number((await t.db.query(`SELECT count(*) FROM jobs WHERE org_id = $1`, [tenant.org])).rows[0].count);

  async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
    const child = new Child(process.execPath, [CLI_MAIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH, ...env } });
    const code = await child.finished(60_000);
    return { code, stdout: child.stdout, stderr: child.stderr };
  }

  it('sends 1,203 lines in batches of up to 500, prints a summary with each failed line, and exits 1', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 1203; i++) lines.push(i === 700 ? job(i, 'no-such-type') : job(i));
    lines[10] = '{"target_channel": ';
    lines.splice(20, 0, '');
    const file = join(dir, 'jobs.ndjson');
    await writeFile(file, `${lines.join('\n')}\n`);
    const before = await countJobs();

    const run = await cli(['jobs', 'create', '--file', file, '--url', t.url, '--token', tenant.token]);
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout) as Summary;
    // Lines are numbered in the file (1-based, the blank line 21 counts).
    expect(summary).toEqual({
      created: 1201,
      failed: 2,
      failures: [
        { line: 11, status: null, code: 'MALFORMED_JSON', detail: expect.any(String) },
        expect.objectContaining({ line: 702, status: 404, code: 'JOB_TYPE_NOT_FOUND' }),
      ],
    });
    expect(await countJobs()).toBe(before + 1201);
    // Not a TTY: no progress lines on stderr.
    expect(run.stderr).toBe('');
  }, 120_000);

  it('exits 0 when every line is created; with --idempotency-key a second run creates nothing new', async () => {
    const file = join(dir, 'ok.ndjson');
    await writeFile(file, Array.from({ length: 30 }, (_, i) => job(i)).join('\n'));
    const env = { AGENT_JOBS_URL: t.url, AGENT_JOBS_TOKEN: tenant.token };
    const before = await countJobs();
    const first = await cli(['jobs', 'create', '--file', file, '--idempotency-key', 'import-42', '--delay', '0'], env);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ created: 30, failed: 0, failures: [] });
    const again = await cli(['jobs', 'create', '--file', file, '--idempotency-key', 'import-42', '--delay', '0'], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ created: 30, failed: 0, failures: [] });
    expect(await countJobs()).toBe(before + 30);
  }, 60_000);

  it('shows progress on stderr when it is a TTY', async () => {
    const file = join(dir, 'tty.ndjson');
    await writeFile(file, Array.from({ length: 600 }, (_, i) => job(i)).join('\n'));
    // util-linux script(1) runs the CLI on a pseudo-terminal.
    const command = [process.execPath, CLI_MAIN, 'jobs', 'create', '--file', file, '--url', t.url, '--token', tenant.token].map((a) => `'${a}'`).join(' ');
    const tty = new Child('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: { PATH: process.env.PATH } });
    expect(await tty.finished(60_000)).toBe(0);
    expect(tty.stdout).toContain('500/600 lines sent: 500 created, 0 failed');
    expect(tty.stdout).toContain('600/600 lines sent: 600 created, 0 failed');
    expect(tty.stdout).toContain('{"created":600,"failed":0,"failures":[]}');
  }, 60_000);

  it('answers usage errors with exit 2, and a refused token fails every line', async () => {
    const file = join(dir, 'one.ndjson');
    await writeFile(file, job(1));
    const usage = await cli(['jobs', 'create', '--url', t.url, '--token', tenant.token]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--file is required');
    expect((await cli(['jobs', 'create', '--file', file, '--token', tenant.token])).code).toBe(2);
    const refused = await cli(['jobs', 'create', '--file', file, '--url', t.url, '--token', 'not-a-token']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toEqual({ created: 0, failed: 1, failures: [expect.objectContaining({ line: 1, status: 401, code: 'UNAUTHORIZED' })] });
  }, 60_000);
});
