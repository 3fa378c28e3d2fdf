#!/usr/bin/env node
'use strict';
/**
 * Installs the dependencies (npm ci) when they are not those package-lock.json names: on a
 * fresh clone (no node_modules), or after a pull changed the lock file. scripts/build.js runs
 * it first, so `npm start` and `npm test` (their pre-scripts build) work on a fresh machine
 * without a separate install step. Node built-ins only: it runs before any dependency exists.
 *
 * - "Installed" is what npm itself recorded at the end of its last install,
 *   node_modules/.package-lock.json: every package of package-lock.json must be there at the
 *   version the lock names (optional ones, other platforms' builds, may be absent). Contents,
 *   not mtimes: a checkout rewrites package-lock.json with a new mtime and the same contents.
 * - One install at a time: several starts racing (an API and two workers, a start and a test
 *   run) take a lock beside node_modules (npm ci removes node_modules itself); the others
 *   wait, look again, and find the dependencies installed.
 *
 * Output goes to stderr, so `npm run --silent cli` prints only the CLI's JSON on stdout.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { withDirLock } = require('./dir-lock');

const log = (message) => process.stderr.write(`[deps] ${message}\n`);

const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));

/** Whether `root` needs an install, and why: { needed: false } or { needed: true, reason }. */
function installNeeded(root) {
  let wanted;
  try {
    wanted = readJson(path.join(root, 'package-lock.json')).packages ?? {};
  } catch (err) {
    return { needed: true, reason: `package-lock.json cannot be read (${err.code ?? err.message})` };
  }
  let installed;
  try {
    installed = readJson(path.join(root, 'node_modules', '.package-lock.json')).packages ?? {};
  } catch {
    return { needed: true, reason: 'no completed install in node_modules (node_modules/.package-lock.json is missing)' };
  }
  for (const [where, entry] of Object.entries(wanted)) {
    if (where === '') continue; // the project itself
    const got = installed[where];
    if (!got) {
      if (entry.optional) continue;
      return { needed: true, reason: `${where} is not installed` };
    }
    if (got.version !== entry.version) return { needed: true, reason: `${where} is ${got.version}, package-lock.json names ${entry.version}` };
  }
  return { needed: false };
}

/** npm ci, or npm install where npm ci refuses the lock file (other platforms' optional packages; as the Dockerfile does). */
async function npmInstall(root) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const run = (args) => new Promise((resolve, reject) => {
    const child = spawn(npm, args, { cwd: root, stdio: ['ignore', 2, 2] });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code === 0 ? null : signal ?? `exit ${code}`));
  });
  const ci = await run(['ci', '--no-audit', '--no-fund']);
  if (ci === null) return;
  log(`npm ci failed (${ci}); trying npm install`);
  const install = await run(['install', '--no-audit', '--no-fund']);
  if (install !== null) throw new Error(`npm install failed (${install})`);
}

/**
 * Installs when needed, one process at a time (`install` is npm ci unless a test gives its own).
 * Returns whether this process installed.
 */
async function ensureDependencies(root, { install = npmInstall } = {}) {
  if (!installNeeded(root).needed && !fs.existsSync(lockPath(root))) return false; // no lock needed
  return withDirLock(lockPath(root), async () => {
    const check = installNeeded(root); // again: another process may have installed while we waited
    if (!check.needed) return false;
    log(`installing dependencies: ${check.reason}`);
    await install(root);
    const after = installNeeded(root);
    if (after.needed) throw new Error(`still not installed after the install: ${after.reason}`);
    log('dependencies installed');
    return true;
  }, { log, waitingMessage: 'another process is installing dependencies; waiting for it' });
}

const lockPath = (root) => path.join(root, '.deps-lock');

module.exports = { ensureDependencies, installNeeded };

if (require.main === module) {
  ensureDependencies(path.resolve(__dirname, '..')).catch((err) => {
    log(err.message);
    process.exit(1);
  });
}
