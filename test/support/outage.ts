import type { TestApp } from './test-app';
import { expectUnavailable } from './problem';

/**
 * During an outage no request may hang: supertest gives up (and the test fails) past this. A
 * hang guard, not a speed budget: a request that fails fast answers in milliseconds.
 */
export const ANSWER_WITHIN_MS = 8000;

/** With one dependency down: liveness still 200, readiness 503 naming that one (and the other up). */
export async function expectLiveButNotReady(t: TestApp, down: 'postgres' | 'redis'): Promise<void> {
  const live = await t.http().get('/health').timeout(ANSWER_WITHIN_MS);
  expect({ status: live.status, body: live.body }).toEqual({ status: 200, body: { status: 'ok' } });
  const ready = await t.http().get('/health/ready').timeout(ANSWER_WITHIN_MS);
  expectUnavailable(ready);
  const up = down === 'postgres' ? 'redis' : 'postgres';
  expect(ready.body.dependencies).toEqual({ [down]: { status: 'down' }, [up]: { status: 'up' } });
  expect(ready.body.detail).toContain(down);
}

/** Both health routes while every dependency answers. */
export async function expectReady(t: TestApp): Promise<void> {
  const ready = await t.http().get('/health/ready');
  expect({ status: ready.status, body: ready.body }).toEqual({
    status: 200, body: { status: 'ok', dependencies: { postgres: { status: 'up' }, redis: { status: 'up' } } },
  });
  expect((await t.http().get('/health')).status).toBe(200);
}
