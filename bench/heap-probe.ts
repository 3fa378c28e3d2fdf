/**
 * Preloaded into a service by a scenario that measures memory (`NODE_OPTIONS=--expose-gc
 * --require dist/bench/heap-probe.js`, BENCH_HEAP_FILE set): on SIGPWR (Nest's shutdown hooks take SIGUSR2) it runs a full
 * garbage collection, then writes process.memoryUsage() to BENCH_HEAP_FILE. What is left after
 * the collection is what the process holds, not the garbage it has not collected yet.
 */
import { renameSync, writeFileSync } from 'node:fs';

const file = process.env.BENCH_HEAP_FILE;
const gc = (globalThis as { gc?: () => void }).gc;

if (file && gc) {
  process.on('SIGPWR', () => {
    gc();
    // Written whole, then renamed: the bench never reads half a file.
    writeFileSync(`${file}.tmp`, JSON.stringify({ at: Date.now(), ...process.memoryUsage() }));
    renameSync(`${file}.tmp`, file);
  });
}
