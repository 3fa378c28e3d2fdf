import request from 'supertest';
import { AgentServer, createHttpJobType } from '../support/agent-server';
import { duration } from '../../apps/console/src/format';
import { launchBrowser, TestBrowser } from '../support/browser';
import { chartLabel, expectCleanTab, jobRow, signIn } from '../support/console';
import { bearer, eventually, newOrg, startTestApp, TestApp } from '../support/test-app';
import { startWebhookReceiver, WebhookReceiver } from '../support/webhook-receiver';

/**
 * The console in a real Chromium against the real service (API + worker, Postgres, Redis) and a
 * local HTTP agent. Needs the console built (npm run build, which `npm test` runs first).
 */
jest.setTimeout(120_000); // a real browser on a shared, busy machine

describe('Console: jobs', () => {
  let t: TestApp;
  let agent: AgentServer;
  let receiver: WebhookReceiver;
  let b: TestBrowser;
  let org: string;
  let write: string;
  let auth: Record<string, string>;
  const channel = (code: string) => ({ org_id: org, platform: 'webhook', code, data: { url: 'http://127.0.0.1:9/never' } });

  beforeAll(async () => {
    agent = await new AgentServer().start();
    receiver = await startWebhookReceiver();
    t = await startTestApp();
    b = await launchBrowser();
    org = newOrg('console');
    write = await t.token(org, { SERVICES: 'WRITE' });
    auth = bearer(write);
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
    await agent?.close();
    await receiver?.close();
  });

  const create = async (jobType: string, extra: Record<string, unknown> = {}) => {
    const res = await t.http().post('/services/agent-jobs').set(auth).send({ job_type_id: jobType, target_channel: channel('ops'), ...extra });
    expect(res.status).toBe(201);
    return res.body.data as { job_id: string; tasks: { task_id: string }[] };
  };

  it('serves the built page and its assets under /console with a strict CSP, nothing from another origin', async () => {
    const page = await request(t.app.getHttpServer()).get('/console');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const csp = page.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.text).not.toMatch(/<script>|<style|style=/); // no inline script or style
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) {
      expect(asset).toMatch(/^\/console\/assets\//);
      const res = await request(t.app.getHttpServer()).get(asset);
      expect(res.status).toBe(200);
      expect(res.headers['content-security-policy']).toBe(csp);
      expect(String(res.text ?? res.body)).not.toMatch(/fonts\.googleapis|cdn\.jsdelivr|unpkg\.com/);
    }
    // A page path (the browser routes it) answers the same document; an unknown asset is a 404.
    expect((await request(t.app.getHttpServer()).get('/console/jobs/anything')).text).toBe(page.text);
    expect((await request(t.app.getHttpServer()).get('/console/assets/nope.js')).status).toBe(404);
  });

  it('signs in, watches a job go WAITING -> RUNNING -> COMPLETED live, filters the list and opens the detail', async () => {
    const slow = await createHttpJobType(t, agent, auth, { id: 'manual', behaviour: 'accept' });
    agent.registerSecret(slow.path, slow.signing_secret);
    const tab = await b.tab();
    const { page } = tab;

    await page.goto(`${t.url}/console`);
    await page.fill('#token', 'not-a-token');
    await page.click('button[type=submit]');
    await page.getByText('This is not an API token').waitFor();
    await signIn(page, t.url, write);
    await expectText(page, '[data-testid=identity]', `org ${org} · WRITE`);
    await page.waitForSelector('[data-testid=live-state]:has-text("Live")');

    const job = await create('manual', { params: { topic: 'live' } });
    const ticker = page.locator(`[data-testid=ticker] li[data-job="${job.job_id}"]`);
    await ticker.filter({ hasText: 'created → WAITING' }).waitFor();
    await ticker.filter({ hasText: 'WAITING → RUNNING' }).waitFor();
    await jobRow(page, job.job_id).locator('[data-status=RUNNING]').waitFor();
    await tab.screenshot('jobs-live-running');

    const call = await eventually(async () => agent.forJob(job.job_id).find((r) => r.answered?.status === 202));
    const done = await request(t.app.getHttpServer()).post(`/services/agent-jobs/${job.job_id}/tasks/${job.tasks[0].task_id}/result`)
      .set('Authorization', `Bearer ${call.body!.callback.token}`).send({ status: 'completed', result: { answer: 42 } });
    expect(done.status).toBe(200);
    await ticker.filter({ hasText: 'RUNNING → COMPLETED' }).waitFor();
    await jobRow(page, job.job_id).locator('[data-status=COMPLETED]').waitFor();
    await page.locator('[data-testid=count-COMPLETED]:has-text("1")').waitFor();

    // Filters: in the form, then in the URL (a reload keeps them); the list shows only matching jobs.
    const other = await create('manual', { scheduled_at: new Date(Date.now() + 3600_000).toISOString() });
    await page.reload();
    await jobRow(page, other.job_id).waitFor();
    await page.click('summary:has-text("Filters and sort")');
    await page.check('input[name=status][value=COMPLETED]');
    await page.selectOption('select[name=sort_direction]', 'asc');
    await page.click('button:has-text("Apply filters")');
    await page.waitForURL(/status=COMPLETED/);
    expect(new URL(page.url()).search).toBe('?status=COMPLETED&sort=created_at%3Aasc');
    await page.reload();
    await jobRow(page, job.job_id).waitFor();
    expect(await page.locator('[data-testid=jobs-table] tbody tr').count()).toBe(1);
    await page.locator('[data-testid=count-SCHEDULED]').click(); // toggles SCHEDULED into the filter
    await jobRow(page, other.job_id).waitFor();
    expect(new URL(page.url()).searchParams.get('status')).toBe('SCHEDULED,COMPLETED');

    // Keyset paging: the cursor goes into the URL (never the token), one job per page here.
    await page.goto(`${t.url}/console/jobs?limit=1`);
    await jobRow(page, other.job_id).waitFor();
    await page.click('button:has-text("Next page")');
    await page.waitForURL(/cursor=/);
    await jobRow(page, job.job_id).waitFor();
    expect(await page.locator('[data-testid=jobs-table] tbody tr').count()).toBe(1);
    await page.click('button:has-text("First page")');
    await jobRow(page, other.job_id).waitFor();
    expect(new URL(page.url()).search).toBe('?limit=1');
    await page.click('button:has-text("Next page")');

    await jobRow(page, job.job_id).locator('a').click();
    await page.waitForURL(new RegExp(`/console/jobs/${job.job_id}$`));
    await page.locator('[data-testid=job-status] [data-status=COMPLETED]').waitFor();
    await page.locator('pre.json[aria-label=Result]', { hasText: '"answer": 42' }).waitFor();
    await page.locator('[data-testid=tasks] tbody tr').first().waitFor();
    await page.locator('[data-testid=events] li', { hasText: 'RUNNING → COMPLETED' }).waitFor();
    expect(await page.locator('button:has-text("Cancel job")').count()).toBe(0); // terminal: nothing to cancel
    await tab.screenshot('job-detail');
    expectCleanTab(tab, [write]);
    await tab.context.close();
  });

  it('cancels a running job with a reason and shows it; a job whose params hold <script> renders as text', async () => {
    const sleeper = await createHttpJobType(t, agent, auth, { id: 'sleeper', behaviour: 'sleep' });
    agent.registerSecret(sleeper.path, sleeper.signing_secret);
    const hostile = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
    const job = await create('sleeper', { params: { note: hostile } });
    await eventually(async () => agent.forJob(job.job_id).length > 0);
    const tab = await b.tab();
    const { page } = tab;
    await signIn(page, t.url, write, `/console/jobs/${job.job_id}`);
    await page.locator('[data-testid=job-status] [data-status=RUNNING]').waitFor();

    const params = page.locator('pre.json[aria-label=Params]');
    expect(await params.textContent()).toContain(JSON.stringify(hostile).slice(1, -1));
    expect(await page.locator('pre.json img, pre.json script').count()).toBe(0);
    expect(await page.evaluate("window.__pwned")).toBeUndefined();

    await page.click('button:has-text("Cancel job")');
    await page.fill('#cancel-reason', 'stuck on a <b>bad</b> input');
    await page.click('dialog button[type=submit]');
    await page.locator('[data-testid=job-status] [data-status=CANCELED]').waitFor();
    await expectText(page, '[data-testid=cancel-reason]', 'stuck on a <b>bad</b> input');
    expect((await t.http().get(`/services/agent-jobs/${job.job_id}`).set(auth)).body.data.cancel_reason).toBe('stuck on a <b>bad</b> input');
    await eventually(async () => agent.forJob(job.job_id)[0].aborted);
    await tab.screenshot('job-canceled');
    expectCleanTab(tab, [write]);
    await tab.context.close();
  });

  it('draws a retried job\'s attempts on the timeline, as the API has them', async () => {
    const flaky = await createHttpJobType(t, agent, auth, { id: 'flaky', behaviour: 'fail-then-complete', query: { times: 1 } });
    agent.registerSecret(flaky.path, flaky.signing_secret);
    const job = await create('flaky', { config: { max_task_retries: 1, task_retry_interval: 0 } });
    type Task = { attempt: number; status: string; started_at: string; finished_at: string };
    const tasks = await eventually(async () => {
      const res = await t.http().get(`/services/agent-jobs/${job.job_id}`).set(auth);
      return res.body.data.job_status === 'COMPLETED' ? res.body.data.tasks as Task[] : undefined;
    });
    expect(tasks.map((x) => [x.attempt, x.status])).toEqual([[1, 'FAILED'], [2, 'COMPLETED']]);
    const tab = await b.tab();
    await signIn(tab.page, t.url, write, `/console/jobs/${job.job_id}`);
    const took = (x: Task) => duration(Date.parse(x.finished_at) - Date.parse(x.started_at));
    expect(await chartLabel(tab.page, 'Task attempts:'))
      .toBe(`Task attempts: #1 FAILED ${took(tasks[0])}, #2 COMPLETED ${took(tasks[1])}`);
    expectCleanTab(tab, [write]);
    await tab.context.close();
  });

  it('lists a job\'s webhook deliveries and redelivers one', async () => {
    expect((await t.http().post('/services/job-types').set(auth).send({ id: 'echo', name: 'echo', executor: { type: 'builtin', name: 'echo' } })).status).toBe(201);
    const hook = receiver.endpoint('ok');
    const job = await create('echo', { callback_url: hook.url });
    await eventually(async () => receiver.received.filter((r) => r.path === hook.path).length === 1, 20_000);
    const tab = await b.tab();
    const { page } = tab;
    await signIn(page, t.url, write, `/console/jobs/${job.job_id}`);
    const row = page.locator('tr', { hasText: 'job.completed' });
    await row.locator('.status').waitFor();
    await row.locator('button:has-text("Redeliver")').click();
    await page.getByText('Redelivered').waitFor();
    await eventually(async () => receiver.received.filter((r) => r.path === hook.path).length === 2);
    const [first, again] = receiver.received.filter((r) => r.path === hook.path);
    expect(again.webhookId).toBe(first.webhookId); // the same message, for the receiver to dedupe
    expectCleanTab(tab, [write]);
    await tab.context.close();
  });

});

async function expectText(page: import('playwright-core').Page, selector: string, text: string): Promise<void> {
  await page.locator(selector, { hasText: text }).waitFor();
}
