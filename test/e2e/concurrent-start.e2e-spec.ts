import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child, freePort } from '../support/processes';
import { createTestDatabase, deleteQueueKeys, eventually, newOrg, testEnv } from '../support/test-app';

/**
 * The README's scale-out, from a fresh clone (no node_modules, no dist/): one API, two workers
 * and a CLI call started at the same moment with npm, as an operator would. Each runs the build
 * first (prestart/precli), which installs the dependencies first: exactly one runs `npm ci`
 * and exactly one compiles, the others wait for them, and all come up. `npm ci` is a stand-in
 * on PATH (no registry here): it links the real node_modules, which is what a real one leaves.
 */

const ROOT = join(__dirname, '..', '..');
/** Not part of a checkout: build output, dependencies (linked instead), local leftovers. */
const NOT_COPIED = new Set(['.git', 'node_modules', 'dist', '.builds', 'coverage', 'bench-profiles', '.env', '.deps-lock']);

/** The working tree as it is (committed or not), without build output or node_modules, in `<tmp>/checkout`. */
function cleanCheckout(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'agent-jobs-checkout-')), 'checkout');
  mkdirSync(dir);
  for (const name of readdirSync(ROOT)) {
    if (!NOT_COPIED.has(name)) cpSync(join(ROOT, name), join(dir, name), { recursive: true, filter: (src) => !src.endsWith('.log') });
  }
  return dir;
}

/**
 * A directory holding an `npm` that is the real one except for `npm ci`, which logs its call
 * to `log`, takes a second (as an install does: the others must wait for it) and links the
 * real node_modules into the current directory.
 */
function fakeNpmCi(beside: string, log: string): string {
  const bin = join(beside, 'fake-bin');
  mkdirSync(bin);
  const realNpm = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim();
  writeFileSync(join(bin, 'npm'), [
    '#!/bin/sh',
    'if [ "$1" = ci ]; then',
    `  echo "npm $*" >> '${log}'`,
    '  sleep 1',
    `  ln -s '${realpathSync(join(ROOT, 'node_modules'))}' node_modules`,
    '  exit 0',
    'fi',
    `exec '${realNpm}' "$@"`,
    '',
  ].join('\n'));
  chmodSync(join(bin, 'npm'), 0o755);
  return bin;
}

interface Started {
  name: string;
  child: Child;
}

describe('concurrent starts from a clean checkout', () => {
  let dir: string | undefined;
  const started: Started[] = [];
  let prefix: string | undefined;

  /** npm in its own process group (npm, its shell, node), so that SIGTERM reaches all of them. */
  function npm(name: string, args: string[], env: NodeJS.ProcessEnv): Started {
    const proc = { name, child: new Child(join(dir!, '..', 'fake-bin', 'npm'), args, { cwd: dir, env, group: true }) };
    started.push(proc);
    return proc;
  }
  const stop = (proc: Started) => proc.child.stop();

  afterAll(async () => {
    await Promise.all(started.map(stop));
    if (dir) rmSync(join(dir, '..'), { recursive: true, force: true });
    if (prefix) await deleteQueueKeys(prefix);
  }, 60_000);

  it('an API, two workers and a CLI call start together: one install, one build, all come up, a job completes', async () => {
    dir = cleanCheckout();
    const installs = join(dir, '..', 'installs.log');
    const fakeBin = fakeNpmCi(join(dir, '..'), installs);
    const database = await createTestDatabase();
    prefix = database.prefix;
    const port = await freePort();
    // A shell's environment, not the one npm test runs jest in.
    const shell = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_') && k !== 'INIT_CWD'));
    const env = { ...shell, PATH: `${fakeBin}:${shell.PATH}`, ...testEnv(database, { PORT: String(port), LOG_LEVEL: 'log' }) };
    const org = newOrg('scale-out');

    npm('api', ['run', 'start:api'], env);
    const workers = [npm('worker 1', ['run', 'start:worker'], env), npm('worker 2', ['run', 'start:worker'], env)];
    const cli = npm('cli', ['run', '--silent', 'cli', '--', 'token', 'create', '--org', org, '--access', 'SERVICES:WRITE'], env);

    const describeAll = () => started.map((p) => `--- ${p.name} (exit ${p.child.proc.exitCode}):\n${p.child.output.slice(-2000)}`).join('\n');
    const cliCode = await cli.child.finished(170_000);
    if (cliCode !== 0) throw new Error(`the CLI failed:\n${describeAll()}`);
    // --silent: the token JSON is the CLI's line on stdout (the build reports on stderr).
    const jsonLine = cli.child.stdout.split('\n').find((line) => line.startsWith('{'));
    const { token } = JSON.parse(jsonLine!) as { token: string };
    expect(token.split('.')).toHaveLength(3);

    await eventually(async () => {
      if (started.some((p) => p !== cli && !p.child.running)) throw new Error(`a process exited:\n${describeAll()}`);
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => null);
      return ready?.status === 200 && workers.every((w) => w.child.output.includes('Agent Jobs worker running'));
    }, 150_000, 250);

    const auth = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    const base = `http://127.0.0.1:${port}/services`;
    const jobType = await fetch(`${base}/job-types`, { method: 'POST', headers: auth, body: JSON.stringify({ id: 'echo', name: 'Echo', executor: { type: 'builtin', name: 'echo' } }) });
    expect(jobType.status).toBe(201);
    const created = await fetch(`${base}/agent-jobs`, {
      method: 'POST', headers: auth,
      body: JSON.stringify({ target_channel: { org_id: org, platform: 'slack', code: 'C0SCALE1' }, job_type_id: 'echo', params: { started: 'together' } }),
    });
    expect(created.status).toBe(201);
    const jobId = ((await created.json()) as { data: { job_id: string } }).data.job_id;
    const done = await eventually(async () => {
      const job = ((await (await fetch(`${base}/agent-jobs/${jobId}`, { headers: auth })).json()) as { data: { job_status: string; result: unknown } }).data;
      return job.job_status === 'COMPLETED' && job;
    }, 20_000, 100);
    expect(done.result).toEqual({ started: 'together' });

    // One install for four starts (the others waited for it, then found it done).
    expect(existsSync(installs) && readFileSync(installs, 'utf8')).toBe('npm ci --no-audit --no-fund\n');
    expect(started.filter((p) => p.child.output.includes('[deps] installing dependencies: no completed install'))).toHaveLength(1);
    const waited = started.filter((p) => p.child.output.includes('another process is installing dependencies')).length;
    console.log(`concurrent starts: 1 install, ${waited} of the other ${started.length - 1} starts waited for it`);
    // One compile for four starts; dist is the symlink to it.
    const compiled = started.flatMap((p) => p.child.output.match(/compiling into \S+/g) ?? []);
    expect(compiled).toHaveLength(1);
    expect(lstatSync(join(dir, 'dist')).isSymbolicLink()).toBe(true);
    expect(readdirSync(join(dir, '.builds'))).toEqual([readlinkSync(join(dir, 'dist')).replace(/^\.builds\//, '')]);
    expect(started.filter((p) => p !== cli).map((p) => p.child.running)).toEqual([true, true, true]);

    await Promise.all(started.map(stop));
  }, 240_000);
});
