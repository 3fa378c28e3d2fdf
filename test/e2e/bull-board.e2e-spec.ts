import * as jwt from 'jsonwebtoken';
import path from 'node:path';
import { ARTIFACTS, launchBrowser } from '../support/browser';
import { expectProblem } from '../support/problem';
import { createEchoJobType } from '../support/jobs';
import { bearer, eventually, newOrg, startTestApp, TestApp, tokenId } from '../support/test-app';
import { TEST_JWT_SECRET } from '../support/test-env';

const BOARD = '/admin/queues';
const basic = (password: string, user = 'anyone') => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

interface BoardQueue {
  name: string;
  counts: Record<string, number>;
  readOnlyMode: boolean;
}

describe('queue dashboard (Bull Board at /admin/queues)', () => {
  let t: TestApp;
  let org: string;
  let admin: string;
  let write: string;

  beforeAll(async () => {
    // No worker: the job created below stays waiting in agent-tasks, where the board counts it.
    t = await startTestApp({ withWorker: false, env: { BULL_BOARD: 'true' } });
    org = newOrg('bull-board');
    [admin, write] = await Promise.all([t.token(org, { SERVICES: 'ADMIN' }), t.token(org, { SERVICES: 'WRITE' })]);
    await createEchoJobType(t, bearer(write));
  });
  afterAll(async () => { await t?.close(); });

  it('an ADMIN token as the basic-auth password (any user name) gets the page and its assets', async () => {
    const page = await t.http().get(BOARD).set(basic(admin));
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain(`<base href="${BOARD}/"`);
    expect(page.headers['x-frame-options']).toBe('DENY');
    // The board's own bundle, served from node_modules below the same path and the same credentials.
    const script = /src="(static\/js\/main\.[\w.]+\.js)"/.exec(page.text)?.[1];
    expect(script).toBeDefined();
    const asset = await t.http().get(`${BOARD}/${script}`).set(basic(admin, ''));
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
  });

  it("its API lists this deployment's queues, counting a job just created", async () => {
    const created = await t.http().post('/services/agent-jobs').set(bearer(write))
      .send({ target_channel: { org_id: org, platform: 'slack', code: 'C123' }, job_type_id: 'echo', params: {} });
    expect(created.status).toBe(201);
    const queues = await eventually(async () => {
      const res = await t.http().get(`${BOARD}/api/queues`).set(basic(admin));
      expect(res.status).toBe(200);
      const list = res.body.queues as BoardQueue[];
      return list.find((q) => q.name === 'agent-tasks')!.counts.waiting >= 1 && list;
    });
    expect(queues.map((q) => q.name).sort()).toEqual(['agent-tasks', 'channel-posts', 'webhook-deliveries']);
    expect(queues.every((q) => q.readOnlyMode)).toBe(true);
    // The Bull job is the task, under this app's QUEUE_PREFIX.
    const keys = await t.redis.keys(`${t.env.QUEUE_PREFIX}:agent-tasks:wait`);
    expect(keys).toHaveLength(1);
  });

  it('a real browser signs in through the basic-auth challenge and shows the queues', async () => {
    const browser = await launchBrowser();
    try {
      // Chromium answers the 401 challenge with these, as a person would in its login prompt.
      const context = await browser.browser.newContext({ httpCredentials: { username: 'operator', password: admin }, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const errors: string[] = [];
      const foreign: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('response', (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`); });
      // Nothing leaves the machine: the board's one outside link (Google Fonts) is refused here.
      await page.route((url) => url.origin !== t.url, (route) => { foreign.push(route.request().url()); return route.abort(); });
      await page.goto(`${t.url}${BOARD}`);
      for (const name of ['agent-tasks', 'channel-posts', 'webhook-deliveries']) await page.getByText(name, { exact: true }).first().waitFor();
      await page.screenshot({ path: path.join(ARTIFACTS, 'bull-board.png'), fullPage: true });
      expect(errors).toEqual([]);
      expect(foreign.every((url) => url.startsWith('https://fonts.googleapis.com/'))).toBe(true);
    } finally {
      await browser.close();
    }
  });

  it("is read-only: the board's actions answer 405", async () => {
    const res = await t.http().put(`${BOARD}/api/queues/agent-tasks/pause`).set(basic(admin));
    expect(res.status).toBe(405);
  });

  it('without credentials: 401 with WWW-Authenticate, so a browser asks for them', async () => {
    for (const path of [BOARD, `${BOARD}/api/queues`, `${BOARD}/static/favicon-32x32.png`]) {
      const res = await t.http().get(path);
      expectProblem(res, 401, 'UNAUTHORIZED');
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm="agent-jobs"/);
    }
    // A bearer header is not what a browser sends: the board takes basic auth only.
    const viaBearer = await t.http().get(BOARD).set(bearer(admin));
    expectProblem(viaBearer, 401, 'UNAUTHORIZED');
  });

  it('a bad password, or no password, is 401', async () => {
    for (const headers of [basic('not-a-token'), basic(`${admin}x`), basic(''), { Authorization: 'Basic !!!' }]) {
      const res = await t.http().get(BOARD).set(headers);
      expectProblem(res, 401, 'UNAUTHORIZED');
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm="agent-jobs"/);
    }
  });

  it('a valid token below SERVICES:ADMIN is 403', async () => {
    const read = await t.token(org, { SERVICES: 'READ' });
    for (const token of [write, read]) {
      const res = await t.http().get(`${BOARD}/api/queues`).set(basic(token));
      expectProblem(res, 403, 'INSUFFICIENT_ACCESS');
      expect(res.headers['www-authenticate']).toBeUndefined();
    }
  });

  it('a revoked or expired ADMIN token is 401', async () => {
    const victim = await t.token(org, { SERVICES: 'ADMIN' });
    expect((await t.http().get(BOARD).set(basic(victim))).status).toBe(200);
    expect((await t.http().delete(`/services/tokens/${tokenId(victim)}`).set(bearer(admin))).status).toBe(200);
    expectProblem(await t.http().get(BOARD).set(basic(victim)), 401, 'UNAUTHORIZED');

    // Signed as the service signs, for a live record, but past its exp.
    const live = await t.token(org, { SERVICES: 'ADMIN' });
    const expired = jwt.sign({ iss: 'agent-jobs', aud: 'agent-jobs-api', sub: tokenId(live), org_id: org, scopes: { SERVICES: 'ADMIN' }, exp: Math.floor(Date.now() / 1000) - 60 }, TEST_JWT_SECRET);
    expectProblem(await t.http().get(BOARD).set(basic(expired)), 401, 'UNAUTHORIZED');
  });

  it('with BULL_BOARD unset, another app has no /admin/queues (404)', async () => {
    const plain = await startTestApp({ withWorker: false });
    try {
      const token = await plain.token(newOrg('bull-board-off'), { SERVICES: 'ADMIN' });
      for (const path of [BOARD, `${BOARD}/api/queues`]) expectProblem(await plain.http().get(path).set(basic(token)), 404);
    } finally {
      await plain.close();
    }
  });
});
