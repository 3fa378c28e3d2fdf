import Redis from 'ioredis';
import { eventually } from '../support/eventually';
import { RedisServer } from '../support/processes';
import { startTestApp } from '../support/test-app';

/**
 * Bull closes only the connections it made; ours come from createClient (the one factory), and
 * BullConnections hands them to it. On a Redis of the test's own: once the app (API and
 * worker) is closed, no connection of it is left.
 */
describe('Redis connections of a closed app', () => {
  let redis: RedisServer;
  let probe: Redis;

  beforeAll(async () => {
    redis = await RedisServer.start();
    probe = new Redis(redis.url);
  });
  afterAll(async () => {
    probe?.disconnect();
    await redis?.kill();
  });

  const others = async () => ((await probe.client('LIST')) as string).trim().split('\n').filter((line) => !line.includes('cmd=client')).length;

  it('are all closed: Bull\'s (command, blocking, subscriber) and the broadcasts\'', async () => {
    const t = await startTestApp({ env: { REDIS_URL: redis.url } });
    // Each queue's command connection, the processing queues' blocking ones, the subscribers (delayed jobs, broadcasts).
    await eventually(async () => (await others()) >= 5);
    await t.close();
    await eventually(async () => (await others()) === 0);
  });
});
