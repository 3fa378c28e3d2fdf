import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureDependencies, installNeeded } = require('./deps') as {
  installNeeded(root: string): { needed: boolean; reason?: string };
  ensureDependencies(root: string, opts?: { install?: (root: string) => Promise<void> }): Promise<boolean>;
};

const DEPS = join(__dirname, 'deps.js');

/** A project with package-lock.json naming `a` 1.0.0 and the optional `b` (another platform's build, say). */
function project(): string {
  const root = mkdtempSync(join(tmpdir(), 'agent-jobs-deps-'));
  writeFileSync(join(root, 'package-lock.json'), JSON.stringify(LOCK));
  return root;
}
const LOCK = {
  lockfileVersion: 3,
  packages: { '': { name: 'p' }, 'node_modules/a': { version: '1.0.0' }, 'node_modules/b': { version: '2.0.0', optional: true } },
};
/** What npm writes at the end of an install: node_modules/.package-lock.json. */
function installed(root: string, packages: Record<string, { version: string }> = { 'node_modules/a': { version: '1.0.0' } }): void {
  mkdirSync(join(root, 'node_modules'), { recursive: true });
  writeFileSync(join(root, 'node_modules', '.package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages }));
}

describe('scripts/deps.js: is an install needed?', () => {
  let root: string;
  beforeEach(() => { root = project(); });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('yes on a fresh clone (no node_modules), or when no install completed there', () => {
    expect(installNeeded(root)).toEqual({ needed: true, reason: expect.stringContaining('.package-lock.json is missing') });
    mkdirSync(join(root, 'node_modules'));
    expect(installNeeded(root).needed).toBe(true);
  });

  it('no when npm installed what the lock names (an optional package may be absent)', () => {
    installed(root);
    expect(installNeeded(root)).toEqual({ needed: false });
  });

  it('yes when the lock names another version or a package not installed (a pull changed it)', () => {
    installed(root, { 'node_modules/a': { version: '0.9.0' } });
    expect(installNeeded(root)).toEqual({ needed: true, reason: 'node_modules/a is 0.9.0, package-lock.json names 1.0.0' });
    installed(root, {});
    expect(installNeeded(root)).toEqual({ needed: true, reason: 'node_modules/a is not installed' });
  });

  it('goes by contents, not mtimes: a checkout that rewrote the same lock file needs nothing', () => {
    installed(root);
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'package-lock.json'), later, later);
    expect(installNeeded(root).needed).toBe(false);
  });
});

describe('scripts/deps.js: installing', () => {
  let root: string;
  const children: ChildProcess[] = [];
  beforeEach(() => { root = project(); });
  afterEach(() => {
    children.forEach((c) => c.kill('SIGKILL'));
    rmSync(root, { recursive: true, force: true });
  });

  /**
   * A process running ensureDependencies on `root` with a fake npm ci: it logs its start and
   * end to install.log, waits for the file `go` (the test says when), then writes what npm
   * writes at the end of an install.
   */
  function starter(name: string): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } {
    const install = `async (root) => {
      const fs = require('node:fs');
      fs.appendFileSync(root + '/install.log', 'start ${name}\\n');
      while (!fs.existsSync(root + '/go')) await new Promise((r) => setTimeout(r, 20));
      fs.mkdirSync(root + '/node_modules', { recursive: true });
      fs.writeFileSync(root + '/node_modules/.package-lock.json', JSON.stringify({ packages: { 'node_modules/a': { version: '1.0.0' } } }));
      fs.appendFileSync(root + '/install.log', 'end ${name}\\n');
    }`;
    const code = `require(${JSON.stringify(DEPS)}).ensureDependencies(${JSON.stringify(root)}, { install: ${install} })
      .then((did) => console.log(did ? 'installed' : 'up to date'), (err) => { console.error(err.message); process.exit(1); })`;
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let err = '';
    let out = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
    const exit = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    return { child, stderr: () => err + out, exit };
  }

  const until = async (what: () => boolean) => {
    for (let i = 0; i < 1000 && !what(); i++) await new Promise((r) => setTimeout(r, 20));
    if (!what()) throw new Error('condition not met');
  };
  const log = () => (existsSync(join(root, 'install.log')) ? readFileSync(join(root, 'install.log'), 'utf8') : '');

  it('serializes two starts racing: one installs, the other waits for it and finds the dependencies installed', async () => {
    const first = starter('first');
    await until(() => log() === 'start first\n');
    const second = starter('second');
    // It sees an install is needed, and waits on the lock instead of starting a second npm ci.
    await until(() => second.stderr().includes('another process is installing dependencies; waiting for it'));
    expect(log()).toBe('start first\n');
    writeFileSync(join(root, 'go'), '');
    expect(await Promise.all([first.exit, second.exit])).toEqual([0, 0]);
    expect(log()).toBe('start first\nend first\n');
    expect(first.stderr()).toContain('installing dependencies: no completed install in node_modules');
    expect(first.stderr()).toMatch(/^installed$/m);
    expect(second.stderr()).toMatch(/^up to date$/m);
    expect(existsSync(join(root, '.deps-lock'))).toBe(false);
  });

  it('takes over the lock of a process that died installing', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    mkdirSync(join(root, '.deps-lock'));
    writeFileSync(join(root, '.deps-lock', 'owner.json'), JSON.stringify({ pid: Number(dead.stdout.trim()), host: require('node:os').hostname() }));
    expect(await ensureDependencies(root, { install: async () => installed(root) })).toBe(true);
    expect(installNeeded(root).needed).toBe(false);
  });

  it('does nothing (and takes no lock) when the dependencies are installed', async () => {
    installed(root);
    const install = jest.fn();
    expect(await ensureDependencies(root, { install })).toBe(false);
    expect(install).not.toHaveBeenCalled();
  });

  it('fails, releasing the lock, when the install did not install what the lock names', async () => {
    await expect(ensureDependencies(root, { install: async () => installed(root, {}) })).rejects.toThrow('still not installed after the install: node_modules/a is not installed');
    expect(existsSync(join(root, '.deps-lock'))).toBe(false);
  });
});
