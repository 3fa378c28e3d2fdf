'use strict';
/**
 * An exclusive lock between processes, as a directory made atomically (mkdir), for the build
 * (scripts/build.js) and the dependency install (scripts/deps.js): several processes started
 * together (an API and two workers, a start and a test run) take turns.
 *
 * A waiting process takes the lock over when its owner died (same host, pid gone) or stopped
 * renewing it for staleMs (a crash in another container), so it never stays stuck. The owner
 * renews it (the directory's mtime) every renewMs while it works.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** The lock's owner died, or stopped renewing it. */
function lockIsStale(dir, staleMs) {
  try {
    const owner = JSON.parse(fs.readFileSync(`${dir}/owner.json`, 'utf8'));
    if (owner.host === os.hostname() && !isAlive(owner.pid)) return true;
  } catch {
    // owner.json not written yet (the owner is between mkdir and write) or unreadable: go by age
  }
  try {
    return Date.now() - fs.statSync(dir).mtimeMs > staleMs;
  } catch {
    return false; // released meanwhile
  }
}

async function acquire(dir, { log, waitingMessage, staleMs, waitMs }) {
  const until = Date.now() + waitMs;
  let told = false;
  for (;;) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(`${dir}/owner.json`, JSON.stringify({ pid: process.pid, host: os.hostname() }));
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    if (lockIsStale(dir, staleMs)) {
      // Renamed away first: of several waiters breaking the same stale lock, one wins.
      const aside = `${dir}.stale-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
      try {
        fs.renameSync(dir, aside);
        fs.rmSync(aside, { recursive: true, force: true });
        log('took over a lock its owner left behind');
      } catch {
        // another waiter moved it first
      }
      continue;
    }
    if (Date.now() > until) throw new Error(`gave up waiting for ${dir} (remove it if no other process is running)`);
    if (!told) log(waitingMessage);
    told = true;
    await sleep(200);
  }
}

/** Runs `fn` holding the lock `dir` (renewed meanwhile), then releases it. */
async function withDirLock(dir, fn, { log = () => undefined, waitingMessage = 'waiting for another process', staleMs = 60_000, renewMs = 5_000, waitMs = 15 * 60_000 } = {}) {
  await acquire(dir, { log, waitingMessage, staleMs, waitMs });
  const renew = setInterval(() => {
    const now = new Date();
    try { fs.utimesSync(dir, now, now); } catch { /* released */ }
  }, renewMs);
  try {
    return await fn();
  } finally {
    clearInterval(renew);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { withDirLock };
