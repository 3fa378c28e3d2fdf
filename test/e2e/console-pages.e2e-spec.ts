import fs from 'node:fs';
import path from 'node:path';
import { createHttpJobType } from '../support/agent-server';
import { launchBrowser, TestBrowser } from '../support/browser';
import { chartLabel, expectCleanTab, signIn } from '../support/console';
import { SessionAgent } from '../support/session-agent';
import { bearer, eventually, newOrg, startTestApp, TestApp } from '../support/test-app';
import { startWebhookReceiver, WebhookReceiver } from '../support/webhook-receiver';

/**
 * The console's other pages in a real Chromium, and what each access level sees: ADMIN manages
 * tokens and clears finished jobs, READ sees no action at all, a revoked token goes back to sign-in.
 * A screenshot of each main page lands in test-artifacts/console/; with UPDATE_DOCS_SCREENSHOT=1
 * the jobs page's also replaces docs/console.png (the README's picture).
 */
jest.setTimeout(120_000); // a real browser on a shared, busy machine

describe('Console: pages and access levels', () => {
  let t: TestApp;
  let agent: SessionAgent;
  let receiver: WebhookReceiver;
  let b: TestBrowser;
  let org: string;
  let admin: string;
  let auth: Record<string, string>;
  let running: string;
  let hooked: string;
  let scheduleId: string;
  let sessionId: string;

  beforeAll(async () => {
    agent = await new SessionAgent().start();
    receiver = await startWebhookReceiver();
    t = await startTestApp();
    b = await launchBrowser();
    org = newOrg('console-pages');
    admin = await t.token(org, { SERVICES: 'ADMIN' });
    auth = bearer(admin);
    const http = () => t.http();
    expect((await http().post('/services/job-types').set(auth).send({ id: 'echo', name: 'Echo', description: 'Answers what it is given', executor: { type: 'builtin', name: 'echo' }, params_schema: { type: 'object' } })).status).toBe(201);
    const sleeper = await createHttpJobType(t, agent, auth, { id: 'sleeper', behaviour: 'sleep' });
    agent.registerSecret(sleeper.path, sleeper.signing_secret);
    const channel = { org_id: org, platform: 'webhook', code: 'ops-hook', data: { url: 'http://127.0.0.1:9/never' } };
    // The first one has a callback, so its page lists a webhook delivery (which READ may not redeliver).
    const hook = receiver.endpoint('ok');
    for (let i = 0; i < 3; i++) {
      const echo = await http().post('/services/agent-jobs').set(auth).send({ job_type_id: 'echo', target_channel: channel, params: { n: i }, ...(i ? {} : { callback_url: hook.url }) });
      expect(echo.status).toBe(201);
      if (!i) hooked = echo.body.data.job_id;
    }
    const sleeping = await http().post('/services/agent-jobs').set(auth).send({ job_type_id: 'sleeper', target_channel: channel });
    running = sleeping.body.data.job_id;
    await eventually(async () => agent.forJob(running).length > 0);
    for (const n of [1, 2]) {
      const sub = await http().post('/services/agent-jobs').set(auth).send({ job_type_id: 'sleeper', target_channel: channel, parent_job_id: running, params: { n } });
      expect(sub.status).toBe(201);
    }
    const schedule = await http().post('/services/schedules').set(auth).send({ name: 'Daily report', cron: '0 9 * * 1-5', timezone: 'Europe/Paris', job: { job_type_id: 'echo', target_channel: channel } });
    expect(schedule.status).toBe(201);
    scheduleId = schedule.body.data.id;
    const helper = await createHttpJobType(t, agent, auth, { id: 'helper', behaviour: 'turn', query: { tools: 2, prompt: 120, completion: 45 } });
    agent.registerSecret(helper.path, helper.signing_secret);
    const chat = await http().post('/services/sessions/chat').set(auth).send({ message: 'Hello <b>agent</b>', agent_type: 'helper' });
    expect(chat.status).toBe(200);
    sessionId = chat.body.data.session_id;
    expect((await http().post('/services/sessions/chat').set(auth).send({ message: 'And again', session_id: sessionId })).status).toBe(200);
    await eventually(async () => (await http().get('/services/agent-jobs?status=COMPLETED').set(auth)).body.meta.total === 3);
    await eventually(async () => (await http().get('/services/agent-jobs?status=RUNNING').set(auth)).body.meta.total === 3);
    await eventually(async () => receiver.forPath(hook.path).length === 1);
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
    await agent?.close();
    await receiver?.close();
  });

  it('ADMIN: every page, pause/resume a schedule, the count before clearing finished jobs, a token created once and revoked', async () => {
    const tab = await b.tab();
    const { page } = tab;
    await signIn(page, t.url, admin);
    await page.locator('[data-testid=identity]', { hasText: 'ADMIN' }).waitFor();
    await page.locator('[data-testid=per-status]', { hasText: 'COMPLETED 3' }).waitFor();
    await page.locator('[data-testid=count-RUNNING]', { hasText: '3' }).waitFor();
    const shot = await tab.screenshot('jobs');
    // Opt-in: every run's picture differs (ids, times), so a plain test run leaves docs/ alone.
    if (process.env.UPDATE_DOCS_SCREENSHOT) fs.copyFileSync(shot, path.resolve(__dirname, '..', '..', 'docs', 'console.png'));
    // The charts state their data: 3 echo jobs done, the sleeper and its 2 subjobs running, all this hour.
    expect(await chartLabel(page, 'Jobs per status in the last 24 hours:'))
      .toBe('Jobs per status in the last 24 hours: WAITING 0, SCHEDULED 0, RUNNING 3, COMPLETED 3, FAILED 0, CANCELED 0');
    expect(await chartLabel(page, 'Jobs created per hour')).toBe('Jobs created per hour over the last 24 hours, 6 in all');

    await page.click('button:has-text("Clear finished jobs")');
    await page.locator('[data-testid=clear-count]', { hasText: '3 finished jobs match.' }).waitFor();
    await page.uncheck('dialog input[type=checkbox] >> nth=0'); // COMPLETED off: none of the others
    await page.locator('[data-testid=clear-count]', { hasText: '0 finished jobs match.' }).waitFor();
    await page.click('dialog button:has-text("Keep them")');

    await page.click('nav >> text=Schedules');
    await page.locator('[data-testid=schedules]', { hasText: 'Daily report' }).waitFor();
    await page.locator('[data-testid=next-runs] .muted time').nth(1).waitFor(); // next_run_at and the two after it
    await page.click('button:has-text("Runs")');
    await tab.screenshot('schedules');
    await page.click('button:has-text("Pause")');
    await page.locator('[data-testid=schedules]', { hasText: 'paused' }).waitFor();
    expect((await t.http().get(`/services/schedules/${scheduleId}`).set(auth)).body.data.enabled).toBe(false);
    await page.click('button:has-text("Resume")');
    await page.locator('[data-testid=schedules]', { hasText: 'active' }).waitFor();
    expect((await t.http().get(`/services/schedules/${scheduleId}`).set(auth)).body.data.enabled).toBe(true);

    await page.click('nav >> text=Channels');
    await page.locator('[data-testid=channels]', { hasText: 'ops-hook' }).waitFor();
    await tab.screenshot('channels');
    await page.click('nav >> text=Job types');
    await page.getByText('Answers what it is given').waitFor();
    await tab.screenshot('job-types');
    await page.click('nav >> text=Sessions');
    await page.locator(`[data-testid=sessions] a:has-text("${sessionId}")`).click();
    await page.locator('[data-testid=transcript] .msg-user', { hasText: 'Hello <b>agent</b>' }).waitFor();
    expect(await page.locator('[data-testid=transcript] b').count()).toBe(0);
    expect(await page.locator('[data-testid=turns] tbody tr').count()).toBe(2);
    await page.locator('[data-testid=turns] tbody tr', { hasText: 'tool-2' }).first().waitFor();
    // Both turns of the helper agent report 120 prompt + 45 completion tokens.
    expect(await chartLabel(page, 'Tokens per turn:')).toBe('Tokens per turn: 165, 165');
    await tab.screenshot('session');

    await page.click('nav >> text=Tokens');
    await page.fill('input[name=name]', 'ci-reader');
    await page.selectOption('select[name=access]', 'READ');
    await page.selectOption('select[name=expires_in]', '1d');
    await page.click('button:has-text("Create token")');
    const issued = await page.locator('[data-testid=issued-token] input.secret').inputValue();
    expect(issued.split('.')).toHaveLength(3);
    expect((await t.http().get('/services/agent-jobs').set(bearer(issued))).status).toBe(200);
    await page.locator('[data-testid=tokens] tr', { hasText: 'ci-reader' }).waitFor();
    await tab.screenshot('tokens');
    await page.click('button:has-text("I have copied it")');
    expect(await page.locator('[data-testid=issued-token]').count()).toBe(0); // shown once
    await page.locator('[data-testid=tokens] tr', { hasText: 'ci-reader' }).locator('button:has-text("Revoke")').click();
    await page.click('dialog button:has-text("Revoke")');
    await page.locator('[data-testid=tokens] tr', { hasText: 'ci-reader' }).locator('text=revoked').waitFor();
    await eventually(async () => (await t.http().get('/services/agent-jobs').set(bearer(issued))).status === 401);
    expectCleanTab(tab, [admin, issued]);
    await tab.context.close();
  });

  it('READ: no cancel, redeliver, clear, pause, turn cancel or tokens; once revoked, the next request goes back to sign-in with a message', async () => {
    const read = await t.token(org, { SERVICES: 'READ' });
    const tab = await b.tab();
    const { page } = tab;
    await signIn(page, t.url, read, `/console/jobs/${running}`);
    await page.locator('[data-testid=identity]', { hasText: 'READ' }).waitFor();
    await page.locator('[data-testid=job-status] [data-status=RUNNING]').waitFor();
    expect(await page.locator('button:has-text("Cancel job")').count()).toBe(0);
    await page.locator('ul.tree > li').nth(1).locator('[data-status]').waitFor(); // both subjobs, with their status
    expect(await page.locator('ul.tree > li').count()).toBe(2);
    await page.goto(`${t.url}/console/jobs/${hooked}`);
    await page.locator('tr', { hasText: 'job.completed' }).locator('.status').waitFor(); // the delivery is listed
    expect(await page.locator('button:has-text("Redeliver")').count()).toBe(0);
    await expectNoTurnCancel(page, read);
    await page.click('nav >> text=Jobs');
    await page.locator('[data-testid=jobs-table]').waitFor();
    expect(await page.locator('button:has-text("Clear finished jobs")').count()).toBe(0);
    expect(await page.locator('nav >> text=Tokens').count()).toBe(0);
    await page.click('nav >> text=Schedules');
    await page.locator('[data-testid=schedules]', { hasText: 'Daily report' }).waitFor();
    expect(await page.locator('button:has-text("Pause")').count()).toBe(0);
    // An empty state, and an error state with the problem's status, code and detail.
    await page.goto(`${t.url}/console/jobs?status=FAILED`);
    await page.getByText('No jobs match these filters.').waitFor();
    await page.goto(`${t.url}/console/jobs/job_01unknown`);
    const problem = await page.locator('.problem').textContent();
    expect(problem).toMatch(/^404 Not Found/);
    expect(problem).toContain('JOB_NOT_FOUND');

    const id = (JSON.parse(Buffer.from(read.split('.')[1], 'base64url').toString()) as { sub: string }).sub;
    expect((await t.http().delete(`/services/tokens/${id}`).set(auth)).status).toBe(200);
    await eventually(async () => (await t.http().get('/services/channels').set(bearer(read))).status === 401);
    await page.click('nav >> text=Channels');
    await page.locator('[data-testid=signin-message]', { hasText: 'The API refused your token' }).waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await tab.screenshot('sign-in-after-401');
    expectCleanTab(tab, [read], /^404 .*\/job_01unknown/);
    await tab.context.close();
  });

  it('cancels a running session turn with a reason', async () => {
    const slow = await createHttpJobType(t, agent, auth, { id: 'slowpoke', behaviour: 'sleep' });
    agent.registerSecret(slow.path, slow.signing_secret);
    // then() sends the chat now; it answers once the turn ends (here: once it is canceled).
    const pending = t.http().post('/services/sessions/chat').set(auth).send({ message: 'take your time', agent_type: 'slowpoke' }).then((r) => r);
    const busy = await eventually(async () => {
      const list = await t.http().get('/services/sessions?status=busy&agent_type=slowpoke').set(auth);
      return list.body.data[0]?.session_id as string | undefined;
    });
    const tab = await b.tab();
    const { page } = tab;
    await signIn(page, t.url, admin, '/console/sessions');
    // The unfiltered list first, then the filtered one replacing it (the helper session is idle).
    const helperRow = page.locator('[data-testid=sessions] tbody tr', { hasText: 'helper' });
    await helperRow.waitFor();
    await page.selectOption('select[name=status]', 'busy');
    await page.click('button:has-text("Filter")');
    await helperRow.waitFor({ state: 'detached' });
    await page.locator('[data-testid=sessions] tbody tr').filter({ hasText: 'slowpoke' }).waitFor();
    expect(await page.locator('[data-testid=sessions] tbody tr').count()).toBe(1); // the helper session is idle
    await page.click(`[data-testid=sessions] a:has-text("${busy}")`);
    await page.locator('[data-status=busy]').waitFor();
    await page.click('button:has-text("Cancel running turn")');
    await page.fill('#turn-reason', 'operator stop');
    // The cancel is held on its way, so the busy button can be seen and clicked again in vain.
    let release!: () => void;
    const held = new Promise<void>((resolve) => { release = resolve; });
    await page.route('**/services/sessions/*/cancel', async (route) => { await held; await route.continue(); });
    const submit = page.locator('dialog button[type=submit]');
    await submit.click();
    await submit.filter({ hasText: 'Canceling…' }).waitFor();
    expect(await submit.isDisabled()).toBe(true);
    await submit.click({ force: true }); // a disabled button submits nothing
    release();
    const answer = await pending;
    expect(answer.body.data).toMatchObject({ status: 'canceled', cancel_reason: 'operator stop' });
    await page.locator('[data-status=idle]').waitFor();
    await page.locator('[data-testid=turns] tbody tr', { hasText: 'canceled: operator stop' }).waitFor();
    expect(tab.urls.filter((u) => u.endsWith(`/services/sessions/${busy}/cancel`))).toHaveLength(1);
    expectCleanTab(tab, [admin]);
    await tab.context.close();
  });

  /** A READ tab on a busy session's page: its turn could be canceled, but no button offers it. */
  async function expectNoTurnCancel(page: import('playwright-core').Page, read: string) {
    const dawdler = await createHttpJobType(t, agent, auth, { id: 'dawdler', behaviour: 'sleep' });
    agent.registerSecret(dawdler.path, dawdler.signing_secret);
    const pending = t.http().post('/services/sessions/chat').set(auth).send({ message: 'no hurry', agent_type: 'dawdler' }).then((r) => r);
    const busy = await eventually(async () =>
      (await t.http().get('/services/sessions?status=busy&agent_type=dawdler').set(bearer(read))).body.data[0]?.session_id as string | undefined);
    await page.goto(`${t.url}/console/sessions/${busy}`);
    await page.locator('[data-status=busy]').waitFor();
    expect(await page.locator('button:has-text("Cancel running turn")').count()).toBe(0);
    expect((await t.http().post(`/services/sessions/${busy}/cancel`).set(auth).send({})).status).toBe(200);
    expect((await pending).body.data.status).toBe('canceled');
  }

  it('works from the keyboard alone: sign in, move between pages, open and close a dialog', async () => {
    const tab = await b.tab();
    const { page } = tab;
    const focused = () => page.evaluate('(document.activeElement.id || document.activeElement.textContent || "").trim()');
    const tabTo = async (text: string) => {
      for (let i = 0; i < 40 && (await focused()) !== text; i++) await page.keyboard.press('Tab');
      expect(await focused()).toBe(text);
    };
    await page.goto(`${t.url}/console`);
    await tabTo('token');
    await page.keyboard.insertText(admin);
    await tabTo('Sign in');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=identity]');
    await tabTo('Tokens');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/console\/tokens$/);
    await tabTo('Jobs');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/console\/jobs$/);
    await tabTo('Clear finished jobs…');
    await page.keyboard.press('Enter');
    await page.locator('dialog[open]').waitFor();
    await page.keyboard.press('Escape');
    await page.locator('dialog').waitFor({ state: 'detached' });
    await tab.context.close();
  });

  it('ADMIN clears finished jobs: the count first, then DELETE /services/agent-jobs?status=..., then the deleted count', async () => {
    const tab = await b.tab();
    const { page } = tab;
    await signIn(page, t.url, admin);
    await page.locator('[data-testid=count-COMPLETED]', { hasText: '3' }).waitFor();
    await page.click('button:has-text("Clear finished jobs")');
    await page.locator('[data-testid=clear-count]', { hasText: '3 finished jobs match.' }).waitFor();
    await page.click('dialog button:has-text("Delete them")');
    await page.getByText('3 finished jobs deleted.').waitFor();
    await page.locator('[data-testid=count-COMPLETED]', { hasText: '0' }).waitFor();
    expect((await t.http().get('/services/agent-jobs?status=COMPLETED').set(auth)).body.meta.total).toBe(0);
    expect((await t.http().get('/services/agent-jobs?status=RUNNING').set(auth)).body.meta.total).toBe(3); // unfinished jobs stay
    expectCleanTab(tab, [admin]);
    await tab.context.close();
  });

  it('fits a phone width', async () => {
    const tab = await b.tab({ width: 390, height: 844 });
    await signIn(tab.page, t.url, admin);
    await tab.page.locator('[data-testid=jobs-table]').waitFor();
    const overflow = await tab.page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await tab.screenshot('jobs-phone');
    await tab.context.close();
  });
});
