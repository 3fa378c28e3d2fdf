import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { AppConfig, loadConfig } from '../../libs/common/src';
import { Broadcasts } from '../../libs/queue/src/broadcasts';
import { RedisServer } from '../support/processes';
import { REDIS_URL } from '../support/test-env';
import { eventually } from '../support/test-app';

const configFor = (redisUrl: string, prefix: string): AppConfig => loadConfig({ NODE_ENV: 'test', REDIS_URL: redisUrl, QUEUE_PREFIX: prefix });

/** Broadcasts between two "processes" (two instances, each with its own connections). */
describe('broadcasts', () => {
  const open: Broadcasts[] = [];
  const pair = (redisUrl: string) => {
    const prefix = `test-bc-${randomBytes(4).toString('hex')}`;
    const [a, b] = [new Broadcasts(configFor(redisUrl, prefix)), new Broadcasts(configFor(redisUrl, prefix))];
    open.push(a, b);
    return { a, b, prefix };
  };
  beforeAll(() => Logger.overrideLogger(['error'])); // the warnings these tests provoke are expected
  const closeOpen = () => Promise.all(open.splice(0).map((x) => x.onApplicationShutdown()));
  afterEach(closeOpen);

  it('delivers each topic\'s messages to its own listeners in every process, and skips malformed ones', async () => {
    const { a, b, prefix } = pair(REDIS_URL);
    const got: Record<string, unknown[]> = { one: [], two: [] };
    await b.subscribe('one', { message: (m) => got.one.push(m) });
    await b.subscribe('two', { message: (m) => got.two.push(m) });
    await a.subscribe('one', { message: (m) => got.one.push(m) });
    const raw = new Redis(REDIS_URL);
    await raw.publish(`${prefix}:one`, 'not json');
    raw.disconnect();
    expect(await a.publish('one', { n: 1 })).toBe(true);
    expect(await b.publish('two', { n: 2 })).toBe(true);
    await eventually(async () => got.one.length === 2 && got.two.length === 1);
    expect(got).toEqual({ one: [{ n: 1 }, { n: 1 }], two: [{ n: 2 }] });
  });

  it('a publish while Redis is down returns false; once Redis is back the subscriber resyncs and hears again', async () => {
    // A Redis of this test's own, which it kills and starts again on the same port.
    const redis = await RedisServer.start();
    try {
      const { a, b } = pair(redis.url);
      const heard: unknown[] = [];
      let resyncs = 0;
      await b.subscribe('changes', { message: (m) => heard.push(m), resync: () => { resyncs++; } });
      expect(await a.publish('changes', { before: true })).toBe(true);
      await eventually(async () => heard.length === 1);

      await redis.kill();
      expect(await a.publish('changes', { lost: true })).toBe(false);
      expect(resyncs).toBe(0);

      await redis.restart();
      await eventually(async () => resyncs === 1, 15_000);
      expect(await a.publish('changes', { after: true })).toBe(true);
      await eventually(async () => heard.some((m) => (m as { after?: boolean }).after));
      // The unconfirmed message may still go out late (ioredis queued it): harmless for a hint.
      expect(heard.filter((m) => !(m as { lost?: boolean }).lost)).toEqual([{ before: true }, { after: true }]);
    } finally {
      // Closed while their Redis answers: ioredis quitting on a dead connection keeps a 2 s timer (and jest's worker) alive.
      await closeOpen();
      await redis.kill();
    }
  });
});
