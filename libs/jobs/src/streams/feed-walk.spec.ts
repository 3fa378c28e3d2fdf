import { FeedWalk } from './feed-walk';
import type { FeedEvent, FeedRead } from './stream-events.repository';

const ev = (id: number): FeedEvent => ({
  id, orgId: 'org', jobId: `job${id % 3}`, kind: 'transition', to: 'RUNNING', jobTypeId: 't', channelCode: 'c', frame: `id: ${id}\n\n`,
});
const read = (ids: number[], snapshot = 's1', settled: string[] = []): FeedRead => ({ snapshot, settled: new Set(settled), events: ids.map(ev) });
const ids = (events: FeedEvent[]) => events.map((e) => e.id);
const options = { waitMs: 500, watchMs: 60_000, max: 100 };
const walkFrom = (top: number, recent: number[] = [top], window = 0) =>
  new FeedWalk({ snapshot: 's0', top, recent, window }, options, 0);

describe('FeedWalk', () => {
  it('hands every event out to job and org streams alike while ids come in order', () => {
    const walk = walkFrom(10);
    const out = walk.apply(read([11, 12, 13]), 1);
    expect(ids(out.jobs)).toEqual([11, 12, 13]);
    expect(ids(out.orgs)).toEqual([11, 12, 13]);
    expect([walk.readUpTo, walk.orderedUpTo, walk.waiting]).toEqual([13, 13, false]);
  });

  it('holds org events above a hole until it fills; job streams get them at once', () => {
    const walk = walkFrom(10);
    let out = walk.apply(read([11, 13, 14]), 1);
    expect(ids(out.jobs)).toEqual([11, 13, 14]);
    expect(ids(out.orgs)).toEqual([11]);
    expect([walk.readUpTo, walk.orderedUpTo, walk.waiting]).toEqual([14, 11, true]);
    expect(walk.holes.ids()).toEqual([12]);

    out = walk.apply(read([12, 15], 's2'), 2);
    expect(ids(out.jobs)).toEqual([12, 15]);
    expect(ids(out.orgs)).toEqual([12, 13, 14, 15]);
    expect([walk.orderedUpTo, walk.waiting, walk.holes.size]).toEqual([15, false, 0]);
  });

  it('a hole whose transactions all ended (a rollback) stops holding at once and is not watched', () => {
    const walk = walkFrom(10);
    walk.apply(read([12], 's1'), 1);
    expect(walk.waiting).toBe(true);
    const out = walk.apply(read([], 's2', ['s1']), 2);
    expect(ids(out.orgs)).toEqual([12]);
    expect([walk.orderedUpTo, walk.holes.size]).toEqual([12, 0]);
  });

  it('after waitMs the events above a hole go out; the hole filling later still goes out, late', () => {
    const walk = walkFrom(10);
    walk.apply(read([12, 13]), 0);
    expect(ids(walk.apply(read([]), 499).orgs)).toEqual([]);
    expect(ids(walk.apply(read([]), 500).orgs)).toEqual([12, 13]);
    expect([walk.orderedUpTo, walk.waiting, walk.holes.idsUpTo(walk.orderedUpTo)]).toEqual([13, false, [11]]);
    const late = walk.apply(read([11, 14]), 600);
    expect(ids(late.jobs)).toEqual([11, 14]);
    expect(ids(late.orgs)).toEqual([11, 14]);
    expect(walk.holes.size).toBe(0);
  });

  it('a late hole and a blocking one filled by one read: the late one at once, the other in order with the rest', () => {
    const walk = walkFrom(10);
    walk.apply(read([12]), 0); // hole 11
    walk.apply(read([]), 500); // 11 stops blocking: 12 out
    walk.apply(read([14]), 501); // hole 13, blocking
    const out = walk.apply(read([11, 13]), 502);
    expect(ids(out.orgs)).toEqual([11, 13, 14]);
  });

  it('starts at the newest id, watching the ids missing below it (inserts in flight when it started)', () => {
    const walk = walkFrom(20, [12, 13, 15, 20], 10);
    expect([walk.readUpTo, walk.orderedUpTo, walk.waiting]).toEqual([20, 20, false]);
    expect(walk.holes.ids()).toEqual([11, 14, 16, 17, 18, 19]);
    expect(walk.holes.idsUpTo(15)).toEqual([11, 14]);
    const out = walk.apply(read([14, 21]), 1);
    expect(ids(out.jobs)).toEqual([14, 21]);
    expect(ids(out.orgs)).toEqual([14, 21]);
  });

  it('gives a hole up after watchMs, and watches at most `max` ids', () => {
    const walk = new FeedWalk({ snapshot: 's0', top: 0, recent: [], window: 0 }, { waitMs: 10, watchMs: 1000, max: 5 }, 0);
    walk.apply(read([100]), 0);
    expect(walk.holes.ids()).toEqual([95, 96, 97, 98, 99]);
    walk.apply(read([]), 999);
    expect(walk.holes.size).toBe(5);
    walk.apply(read([]), 1000);
    expect(walk.holes.size).toBe(0);
  });
});
