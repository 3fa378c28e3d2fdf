import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';

const pool = new Uint8Array(4096);
let next = pool.length;

/**
 * The same PRNG ulid picks by itself (a crypto byte / 256), drawn from a pooled buffer:
 * ulid asks for one byte per character, and one getRandomValues call per byte was ~5 % of
 * the API's CPU per create (two ids per job).
 */
function pooledCryptoPrng(): number {
  if (next >= pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  return pool[next++] / 256;
}

const nextUlid = monotonicFactory(pooledCryptoPrng);

/** Sortable, prefixed ids: the prefix tells what an id names, the ULID keeps insert order. */
export const newId = (prefix: 'job' | 'task' | 'tok' | 'evt' | 'dlv' | 'sch' | 'chn' | 'wrk' | 'ses' | 'turn') => `${prefix}_${nextUlid().toLowerCase()}`;

export const ID_PATTERN = /^[a-z]{2,4}_[0-9a-hjkmnp-tv-z]{26}$/;
