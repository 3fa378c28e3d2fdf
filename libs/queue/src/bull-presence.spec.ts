import type { Queue } from 'bull';
import { BullPresence } from './bull-presence';

/** A queue whose Redis holds `held` job ids; counts the EXISTS asked. */
function fakeQueue(held: Set<string>, fail = false) {
  const asked: string[] = [];
  const queue = {
    toKey: (id: string) => `q:${id}`,
    client: {
      pipeline: () => {
        const keys: string[] = [];
        const p = {
          exists: (key: string) => { keys.push(key); return p; },
          exec: async () => {
            if (fail) throw new Error('redis down');
            asked.push(...keys);
            return keys.map((k) => [null, held.has(k.slice(2)) ? 1 : 0]);
          },
        };
        return p;
      },
    },
  };
  return { queue: queue as unknown as Queue, asked };
}

describe('BullPresence', () => {
  it('returns the items Bull does not hold, and skips rememberable ones it was seen holding', async () => {
    const { queue, asked } = fakeQueue(new Set(['a', 'b']));
    const presence = new BullPresence(queue);
    const items = [{ id: 'a', overdue: true }, { id: 'b', overdue: false }, { id: 'c', overdue: true }];
    expect(await presence.missing(items, (i) => i.id, (i) => i.overdue)).toEqual([{ id: 'c', overdue: true }]);
    expect(await presence.missing(items, (i) => i.id, (i) => i.overdue)).toEqual([{ id: 'c', overdue: true }]);
    // 'a' (held, overdue) was asked once; 'b' (not rememberable) and 'c' (missing) every time.
    expect(asked).toEqual(['q:a', 'q:b', 'q:c', 'q:b', 'q:c']);
  });

  it('treats every candidate as missing when Redis cannot be asked', async () => {
    const { queue } = fakeQueue(new Set(['a']), true);
    expect(await new BullPresence(queue).missing(['a', 'b'], (i) => i, () => true)).toEqual(['a', 'b']);
  });

  it('asks again about everything once told that Redis lost its data', async () => {
    const { queue, asked } = fakeQueue(new Set(['a']));
    const presence = new BullPresence(queue);
    await presence.missing(['a'], (i) => i, () => true);
    await presence.missing(['a'], (i) => i, () => true);
    presence.forget();
    await presence.missing(['a'], (i) => i, () => true);
    expect(asked).toEqual(['q:a', 'q:a']);
  });
});
