import { monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

/** Sortable, prefixed ids: the prefix tells what an id names, the ULID keeps insert order. */
export const newId = (prefix: 'job' | 'task' | 'tok' | 'evt' | 'dlv' | 'sch' | 'chn') => `${prefix}_${nextUlid().toLowerCase()}`;

export const ID_PATTERN = /^[a-z]{2,4}_[0-9a-hjkmnp-tv-z]{26}$/;
