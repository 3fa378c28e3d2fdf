#!/usr/bin/env node
'use strict';
/**
 * `npm run build` (and every prestart, precli, pretest, bench): compiles apps/, libs/ and bench/
 * into dist/, and bundles the console (apps/console, typed from openapi.json) into dist/console;
 * safe to run from several processes at once (an API and two workers started together) while
 * others already run from dist/.
 *
 * - Skips the build when dist/ was built from the same inputs (a hash of the sources,
 *   openapi.json, tsconfig*, package-lock.json and this script).
 * - Installs the dependencies first when they are missing or not those of package-lock.json
 *   (scripts/deps.js), so that `npm start` and `npm test` work on a fresh clone.
 * - One build at a time: an exclusive lock (scripts/dir-lock.js), taken over from an owner
 *   that died, so it never stays stuck.
 * - Never touches a dist/ that runs: each build goes into a fresh .builds/<hash>/, and dist is a
 *   symlink switched to it with rename(2), atomically. Node runs a program from the real path
 *   behind the symlink, so a running process keeps its build. The KEEP_BUILDS newest builds
 *   are kept; older ones are removed (a process started from those has loaded its modules long
 *   ago: Nest loads them all at boot).
 *
 * Output goes to stderr, so `npm run --silent cli` prints only the CLI's JSON on stdout.
 */
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { ensureDependencies } = require('./deps');
const { withDirLock } = require('./dir-lock');

const ROOT = path.resolve(__dirname, '..');
const BUILDS = path.join(ROOT, '.builds');
const DIST = path.join(ROOT, 'dist');
const LOCK = path.join(BUILDS, 'lock');
const INPUTS = ['apps', 'libs', 'bench', 'openapi.json', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json', 'scripts/build.js'];
/** The console's API types, generated from openapi.json (hashed through it) by every build. */
const CONSOLE_TYPES = path.join('apps', 'console', 'src', 'api', 'openapi.d.ts');
const KEEP_BUILDS = 3;

const log = (message) => process.stderr.write(`[build] ${message}\n`);

/** What the build reads (minus specs, which it skips), hashed: the name of its output. */
function inputsHash() {
  const hash = crypto.createHash('sha256');
  const visit = (rel) => {
    const abs = path.join(ROOT, rel);
    let stat;
    try {
      stat = fs.statSync(abs);
    } catch {
      return; // bench/ is not in the Docker image, for one
    }
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(abs).sort()) visit(path.join(rel, name));
    } else if (stat.isFile() && !rel.endsWith('.spec.ts') && rel !== CONSOLE_TYPES) {
      hash.update(`${rel}\0${stat.size}\0`).update(fs.readFileSync(abs));
    }
  };
  for (const input of INPUTS) visit(input);
  return hash.digest('hex').slice(0, 16);
}

const currentTarget = () => {
  try {
    return fs.readlinkSync(DIST);
  } catch {
    return null; // no dist yet, or a plain directory from before builds were switched
  }
};

/** Runs a node program to completion, its output on stderr. */
function run(script, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, stdio: ['ignore', 2, 2] });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(script)} ${args.join(' ')} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

async function compile(outDir) {
  fs.rmSync(outDir, { recursive: true, force: true });
  await run(require.resolve('typescript/bin/tsc'), ['-p', 'tsconfig.build.json', '--outDir', outDir]);
  await run(require.resolve('tsc-alias/dist/bin/index.js'), ['-p', 'tsconfig.build.json', '--outDir', outDir]);
  await buildConsole(outDir);
}

/**
 * The operators' console (apps/console): API types generated from the committed openapi.json,
 * typechecked, then bundled by Vite into <build>/console, which the API serves at /console.
 */
async function buildConsole(outDir) {
  await run(path.join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js'), ['openapi.json', '-o', CONSOLE_TYPES, '--silent']);
  await run(require.resolve('typescript/bin/tsc'), ['--noEmit', '-p', 'apps/console/tsconfig.json']);
  await run(path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), ['build', '--config', 'apps/console/vite.config.mjs', '--outDir', path.join(outDir, 'console'), '--emptyOutDir', '--logLevel', 'warn']);
}

/** Points dist at .builds/<hash> in one rename(2): a reader sees the old build or the new one, never none. */
function switchDist(hash) {
  if (fs.existsSync(DIST) && !fs.lstatSync(DIST).isSymbolicLink()) {
    // A dist/ directory from before builds were switched: moved aside whole, removed with the old builds.
    fs.renameSync(DIST, path.join(BUILDS, `legacy-${Date.now()}`));
  }
  const link = `${DIST}.tmp-${process.pid}`;
  fs.rmSync(link, { force: true });
  fs.symlinkSync(path.join('.builds', hash), link);
  fs.renameSync(link, DIST);
}

/** Keeps the KEEP_BUILDS newest builds (the current one always) and drops unfinished ones. */
function removeOldBuilds(hash) {
  const entries = fs.readdirSync(BUILDS)
    .filter((name) => name !== 'lock' && !name.startsWith('lock.') && name !== hash)
    .map((name) => ({ name, mtime: fs.lstatSync(path.join(BUILDS, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  const finished = entries.filter((e) => !e.name.includes('.tmp-'));
  const unfinished = entries.filter((e) => e.name.includes('.tmp-'));
  // Under the lock no other build runs, so an unfinished one is left over from a crash.
  for (const e of [...finished.slice(KEEP_BUILDS - 1), ...unfinished]) {
    fs.rmSync(path.join(BUILDS, e.name), { recursive: true, force: true });
  }
}

async function main() {
  // A fresh clone, or a package-lock.json changed since the last install: npm ci first (tsc is a dependency).
  await ensureDependencies(ROOT);
  const hash = inputsHash();
  if (currentTarget() === path.join('.builds', hash)) return; // up to date: no lock needed
  fs.mkdirSync(BUILDS, { recursive: true });
  await withDirLock(LOCK, async () => {
    if (currentTarget() === path.join('.builds', hash)) return; // built while we waited
    const out = path.join(BUILDS, hash);
    if (!fs.existsSync(out)) {
      log(`compiling into .builds/${hash}`);
      const tmp = `${out}.tmp-${process.pid}`;
      await compile(tmp);
      fs.renameSync(tmp, out);
    }
    switchDist(hash);
    // The build's mtime says when it became current: the newest are kept.
    const now = new Date();
    fs.utimesSync(out, now, now);
    removeOldBuilds(hash);
    log(`dist -> .builds/${hash}`);
  }, { log, waitingMessage: 'another process is building; waiting for it' });
}

main().catch((err) => {
  log(err.message);
  process.exit(1);
});
