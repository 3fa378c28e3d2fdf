import { metricValue, scrapeMetrics } from '../support/metrics';
import { ANSWER_WITHIN_MS } from '../support/outage';
import { RedisServer } from '../support/processes';
import { TcpProxy } from '../support/tcp-proxy';
import { bearer, eventually, newOrg, startTestApp, TestApp } from '../support/test-app';

const FAIL_OPEN = 'agent_jobs_rate_limit_fail_open_total';

/**
 * Redis taken away from one app (its own redis-server behind a TCP proxy the test cuts): the
 * rate limiter cannot count, so requests are served unchecked (fail open), without RateLimit
 * headers, and agent_jobs_rate_limit_fail_open_total says how many; once Redis is back the
 * limits hold again.
 */
describe('rate limits while Redis is away', () => {
  let redis: RedisServer;
  let proxy: TcpProxy;
  let t: TestApp;
  let token: string;

  const list = () => t.http().get('/services/job-types').set(bearer(token)).timeout(ANSWER_WITHIN_MS);
  const failOpen = async () => metricValue(await scrapeMetrics(t.url), FAIL_OPEN);

  beforeAll(async () => {
    redis = await RedisServer.start();
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: redis.port });
    t = await startTestApp({
      withWorker: false,
      env: { REDIS_URL: proxy.proxiedUrl(redis.url), REDIS_TIMEOUT_MS: '1000', RATE_LIMIT_PER_MINUTE: '1000', RATE_LIMIT_BURST: '1000' },
    });
    token = await t.token(newOrg('rate-limit-outage'), { SERVICES: 'READ' });
  });

  afterAll(async () => {
    await proxy?.restore();
    await t?.close();
    await proxy?.close();
    await redis?.kill();
  });

  it('counts while Redis is up', async () => {
    const res = await list();
    expect(res.status).toBe(200);
    expect(res.headers['ratelimit-limit']).toBe('1000');
    expect(await failOpen()).toBe(0);
  });

  // Redis stopped. (A 'hang' cut, accepted connections never answered, is left out: after it an
  // API-only app's Bull client sometimes never answers readiness again, with rate limits off too.)
  it.each(['refuse'] as const)('with Redis cut (%s): requests are served without the headers, and the fail-open metric moves', async (mode) => {
    const before = await failOpen();
    await proxy.cut(mode);
    for (let i = 0; i < 3; i++) {
      const res = await list();
      expect(res.status).toBe(200);
      expect(res.headers['ratelimit-limit']).toBeUndefined();
    }
    expect(await failOpen()).toBeGreaterThanOrEqual(before + 3);

    await proxy.restore();
    // Every connection back (a close while some still reconnect would wait on them).
    await eventually(async () => (await t.http().get('/health/ready')).status === 200, 15_000, 100);
    const counted = await eventually(async () => {
      const res = await list();
      return res.status === 200 && res.headers['ratelimit-limit'] === '1000' && res;
    }, 15_000, 100);
    expect(Number(counted.headers['ratelimit-remaining'])).toBeLessThan(1000);
  });
});
