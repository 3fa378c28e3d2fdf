import type { Response } from 'supertest';
import { CallbackTokens } from '../../libs/auth/src';
import { expectProblem } from '../support/problem';
import { ApiProcess, startApiProcess } from '../support/processes';
import { bearer, newOrg, startTestApp, TestApp } from '../support/test-app';

/**
 * Per-token rate limits, counted in Redis: a default of 3 requests per minute (a burst of 100
 * does not raise it: a window never allows more than the rate), a token's own limit, task
 * callback tokens' own limit (2), and one count for every API process of the deployment.
 */

/** The RateLimit-* headers of an answer, as numbers (the policy as its text). */
const limits = (res: Response) => ({
  limit: Number(res.headers['ratelimit-limit']),
  remaining: Number(res.headers['ratelimit-remaining']),
  policy: res.headers['ratelimit-policy'],
});

function expectRateLimited(res: Response, limit: number): void {
  expectProblem(res, 429, 'RATE_LIMITED');
  expect(res.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
  expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
  expect(limits(res)).toEqual({ limit, remaining: 0, policy: `${limit};w=60` });
  expect(Number(res.headers['ratelimit-reset'])).toBe(Number(res.headers['retry-after']));
}

describe('rate limits', () => {
  let t: TestApp;
  let org: string;
  let other: ApiProcess | undefined;

  const list = (token: string) => t.http().get('/services/job-types').set(bearer(token));
  const listOn = (api: ApiProcess, token: string) => fetch(`${api.url}/services/job-types`, { headers: bearer(token) });

  beforeAll(async () => {
    t = await startTestApp({
      withWorker: false,
      env: { RATE_LIMIT_PER_MINUTE: '3', RATE_LIMIT_BURST: '100', RATE_LIMIT_CALLBACK_PER_MINUTE: '2' },
    });
    org = newOrg('rate-limit');
  });
  afterAll(async () => {
    await other?.stop();
    await t?.close();
  });

  it('answers with the RateLimit headers, then 429 RATE_LIMITED with Retry-After past the limit; each token has its own count', async () => {
    const token = await t.token(org, { SERVICES: 'READ' });
    for (const remaining of [2, 1, 0]) {
      const res = await list(token);
      expect(res.status).toBe(200);
      expect(limits(res)).toEqual({ limit: 3, remaining, policy: '3;w=60' });
      const reset = Number(res.headers['ratelimit-reset']);
      expect(reset).toBeGreaterThan(0);
      expect(reset).toBeLessThanOrEqual(60);
    }
    expectRateLimited(await list(token), 3);
    // Still refused: a refused request does not reset the count.
    expectRateLimited(await list(token), 3);

    const another = await t.token(org, { SERVICES: 'READ' });
    expect(limits(await list(another))).toEqual({ limit: 3, remaining: 2, policy: '3;w=60' });
  });

  it('counts a 403 too, and leaves answers without a token (401, /health) uncounted and without the headers', async () => {
    const reader = await t.token(org, { SERVICES: 'READ' });
    const refused = await t.http().post('/services/job-types').set(bearer(reader)).send({});
    expectProblem(refused, 403, 'INSUFFICIENT_ACCESS');
    expect(limits(refused)).toEqual({ limit: 3, remaining: 2, policy: '3;w=60' });

    const anonymous = await t.http().get('/services/job-types');
    expectProblem(anonymous, 401, 'UNAUTHORIZED');
    const health = await t.http().get('/health');
    expect(health.status).toBe(200);
    for (const res of [anonymous, health]) expect(res.headers['ratelimit-limit']).toBeUndefined();
  });

  // docs/decisions.md "Rate limits": the headers describe a count, so an answer that counted nothing has none.
  it('more 401s and /health, /health/ready, /metrics calls than the limit: none refused, none with the headers, no token charged', async () => {
    const token = await t.token(org, { SERVICES: 'READ' });
    // The token's own id and claims with a broken signature: a limiter keyed on the claims before the check would charge the token.
    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    const answers: Response[] = [];
    for (let i = 0; i < 4; i++) {
      for (const auth of [{}, bearer(forged), { Authorization: 'Bearer not-a-jwt' }]) {
        const res = await t.http().get('/services/job-types').set(auth);
        expectProblem(res, 401, 'UNAUTHORIZED');
        answers.push(res);
      }
      for (const path of ['/health', '/health/ready', '/metrics']) {
        const res = await t.http().get(path);
        expect({ path, status: res.status }).toEqual({ path, status: 200 });
        answers.push(res);
      }
    }
    for (const res of answers) {
      expect(Object.keys(res.headers).filter((h) => h.startsWith('ratelimit') || h === 'retry-after')).toEqual([]);
    }
    // The token's first counted request is its first of the window.
    expect(limits(await list(token))).toEqual({ limit: 3, remaining: 2, policy: '3;w=60' });
  });

  it("a token's own rate_limit_per_minute (set at creation) overrides the default, and is shown with the token", async () => {
    const admin = await t.token(org, { SERVICES: 'ADMIN' }, { rateLimitPerMinute: 1000 });
    const created = await t.http().post('/services/tokens').set(bearer(admin)).send({ scopes: { SERVICES: 'READ' }, rate_limit_per_minute: 5 });
    expect(created.status).toBe(201);
    expect(created.body.data.rate_limit_per_minute).toBe(5);
    // 1000/min with a burst of 100: 100 requests per 6 s window.
    expect(limits(created)).toEqual({ limit: 100, remaining: 99, policy: '100;w=6' });
    const listed = await t.http().get('/services/tokens').set(bearer(admin));
    const byId = Object.fromEntries(listed.body.data.map((tok: { id: string; rate_limit_per_minute: number | null }) => [tok.id, tok.rate_limit_per_minute]));
    expect(byId[created.body.data.id]).toBe(5);
    expect(Object.values(byId)).toContain(null);

    const own: string = created.body.data.token;
    for (let i = 0; i < 5; i++) expect((await list(own)).status).toBe(200);
    expectRateLimited(await list(own), 5);

    const bad = await t.http().post('/services/tokens').set(bearer(admin)).send({ scopes: { SERVICES: 'READ' }, rate_limit_per_minute: 0 });
    expectProblem(bad, 400, 'VALIDATION_ERROR');
  });

  it("limits a task's callback token on its own count (RATE_LIMIT_CALLBACK_PER_MINUTE), apart from API tokens and other tasks", async () => {
    const callbacks = t.app.get(CallbackTokens);
    const expires = new Date(Date.now() + 60_000);
    const callback = bearer(callbacks.issue('task_rl_a', 'job_rl_a', org, expires));
    const report = (auth: Record<string, string>, task = 'task_rl_a', job = 'job_rl_a') =>
      t.http().post(`/services/agent-jobs/${job}/tasks/${task}/result`).set(auth).send({ status: 'completed', result: {} });

    // The job does not exist (404), but the call was counted against this task's token.
    const first = await report(callback);
    expect(first.status).toBe(404);
    expect(limits(first)).toEqual({ limit: 2, remaining: 1, policy: '2;w=60' });
    // Creating a subjob with the same callback token shares the task's count.
    const subjob = await t.http().post('/services/agent-jobs').set(callback).send({});
    expect(limits(subjob)).toEqual({ limit: 2, remaining: 0, policy: '2;w=60' });
    expectRateLimited(await report(callback), 2);

    const otherTask = await report(bearer(callbacks.issue('task_rl_b', 'job_rl_b', org, expires)), 'task_rl_b', 'job_rl_b');
    expect(limits(otherTask)).toEqual({ limit: 2, remaining: 1, policy: '2;w=60' });
    const apiToken = await t.token(org, { SERVICES: 'READ' });
    expect(limits(await list(apiToken))).toEqual({ limit: 3, remaining: 2, policy: '3;w=60' });
    // A token for another task is refused before it is counted.
    expectProblem(await report(callback, 'task_rl_b', 'job_rl_b'), 401, 'UNAUTHORIZED');
  });

  it('holds across API processes: two processes on one Redis share one count per token', async () => {
    other = await startApiProcess(t.env);
    const token = await t.token(org, { SERVICES: 'READ' });
    expect(limits(await list(token))).toEqual({ limit: 3, remaining: 2, policy: '3;w=60' });
    const there = await listOn(other, token);
    expect(there.status).toBe(200);
    expect(there.headers.get('ratelimit-remaining')).toBe('1');
    expect((await list(token)).status).toBe(200);
    const refused = await listOn(other, token);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await refused.json()) as { code: string }).code).toBe('RATE_LIMITED');
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
    expectRateLimited(await list(token), 3);
  });
});
