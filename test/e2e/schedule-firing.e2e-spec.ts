import { lastParis9, nextParis9, parisWallClock } from '../support/paris-time';
import { fakeScheduleClock, runsOf, ScheduledJob, scheduleKit, startScheduleWorkers, ScheduleWorkers } from '../support/schedule-workers';
import { SlackServer, startSlackServer } from '../support/slack-server';
import { eventually, startTestApp, TestApp } from '../support/test-app';

/**
 * Firing schedules: on time, exactly once with two worker processes, pause/resume, missed fires,
 * DST, the daily report use case (crash and failure recovery: schedule-recovery.e2e-spec.ts). Firing time is a fake clock the tests move, and the tests drive the firing
 * passes (support/schedule-workers.ts), so no test waits for a real cron boundary; "nothing more
 * fires" is a pass that ran, awaited, at a later time. Each test has its own org and sets the clock.
 */
const POLL_MS = 250;
const LOOKAHEAD_MS = 2 * POLL_MS;

type Runs = Awaited<ReturnType<typeof runsOf>>;

/** Every fire time has exactly one job, and every job is its run's job. */
function expectOneJobPerFire(runs: Runs, jobs: ScheduledJob[]): void {
  const fireTimes = jobs.map((j) => j.metadata.fire_at);
  expect(new Set(fireTimes).size).toBe(fireTimes.length);
  expect(runs.map((r) => r.fire_at.toISOString())).toEqual(fireTimes);
  expect(runs.map((r) => r.job_id)).toEqual(jobs.map((j) => j.id));
}

describe('schedule firing', () => {
  let t: TestApp;
  let slack: SlackServer;
  let workers: ScheduleWorkers;
  // Far before any next_run_at the API computes (from real time): nothing fires until a test says so.
  const clock = fakeScheduleClock(Date.UTC(2026, 0, 1));

  beforeAll(async () => {
    slack = await startSlackServer();
    slack.addToken('xoxb-test', { team_id: 'T0SCHED', team_name: 'schedules' });
    t = await startTestApp({
      withWorker: false,
      env: { SCHEDULE_POLL_MS: String(POLL_MS), SLACK_API_URL: `${slack.url}/api/`, SLACK_BOT_TOKEN: 'xoxb-test' },
    });
    // Two worker processes beside an API without a worker, as in production: every test also checks exactly-once.
    workers = await startScheduleWorkers(t, 2);
  });
  afterAll(async () => {
    await workers?.close();
    await t?.close();
    await slack?.close();
  });

  const { tenant, jobsOf, dueAt, fired, completed } = scheduleKit(() => t, () => workers);

  it('a 6-field cron every 2 s: one job per fire time, created ahead of it, scheduled at it, COMPLETED', async () => {
    const { auth, create, view } = await tenant();
    const createdAt = Date.now();
    const s = await create({ name: 'every 2 s', cron: '*/2 * * * * *' });
    const answeredAt = Date.now();
    const first = Date.parse(s.next_run_at!);
    expect(first % 2000).toBe(0);
    expect(first).toBeGreaterThan(createdAt);
    expect(first).toBeLessThanOrEqual(answeredAt + 2000);

    // Two fire times a little ahead of real time, so that their jobs wait for them, SCHEDULED.
    const f0 = Math.ceil((Date.now() + 2000) / 2000) * 2000;
    await dueAt(s.id, f0);
    // Before the lookahead (2 x SCHEDULE_POLL_MS) a pass does not take the fire.
    clock.set(f0 - 2 * LOOKAHEAD_MS);
    await workers.pass();
    expect(await runsOf(t, s.id)).toEqual([]);
    for (const fireAt of [f0, f0 + 2000]) {
      clock.set(fireAt - LOOKAHEAD_MS / 2);
      await fired(s.id, fireAt);
    }
    const jobs = await completed(s.id, 2);
    for (const job of jobs) {
      const fireAt = Date.parse(job.metadata.fire_at);
      expect(job.metadata).toEqual({ schedule_id: s.id, fire_at: job.metadata.fire_at, catch_up: false });
      expect(job.scheduled_at.getTime()).toBe(fireAt);
      expect(job.created_at.getTime()).toBeLessThan(fireAt);
      expect(job.started_at!.getTime()).toBeGreaterThanOrEqual(fireAt);
      expect(job.created_by).toBe(`schedule:${s.id}`);
      expect(job.result).toEqual({ hello: 'schedule' });
    }
    expect(jobs.map((j) => Date.parse(j.metadata.fire_at))).toEqual([f0, f0 + 2000]);
    expectOneJobPerFire(await runsOf(t, s.id), jobs);

    const events = await t.http().get(`/services/agent-jobs/${jobs[0].id}/events`).set(auth);
    // (Later COMPLETED -> COMPLETED events record the result's delivery to the channel.)
    expect(events.body.data.slice(0, 3).map((e: { from: string | null; to: string }) => [e.from, e.to])).toEqual([
      [null, 'SCHEDULED'], ['SCHEDULED', 'RUNNING'], ['RUNNING', 'COMPLETED'],
    ]);
    expect(events.body.data[0].actor).toBe(`schedule:${s.id}`);

    expect(await view(s.id)).toMatchObject({
      last_job_id: jobs[1].id, last_run_at: new Date(f0 + 2000).toISOString(), next_run_at: new Date(f0 + 4000).toISOString(),
    });
    const runs = await t.http().get(`/services/schedules/${s.id}/runs?limit=1`).set(auth);
    expect(runs.status).toBe(200);
    expect(runs.body.data).toEqual([{ fire_at: new Date(f0 + 2000).toISOString(), job_id: jobs[1].id, catch_up: false, error: null, created_at: expect.any(String) }]);
    expect(runs.body.meta.total).toBe(2);
    await t.http().patch(`/services/schedules/${s.id}`).set(auth).send({ enabled: false }).expect(200);
  });

  it('pause stops firing; resume restarts from the next fire time after now, nothing for the paused time', async () => {
    const { auth, create } = await tenant();
    const s = await create({ cron: '*/2 * * * * *' });
    const f0 = Date.UTC(2026, 5, 1, 12, 0, 0);
    await dueAt(s.id, f0);
    clock.set(f0);
    await fired(s.id, f0);

    const paused = await t.http().patch(`/services/schedules/${s.id}`).set(auth).send({ enabled: false });
    expect(paused.status).toBe(200);
    expect(paused.body.data).toMatchObject({ enabled: false, next_run_at: null });
    // Time passes five fire times; a pass at that time has run in both workers, and took none.
    clock.set(f0 + 10_000);
    await workers.pass();
    expect((await runsOf(t, s.id)).map((r) => r.fire_at.getTime())).toEqual([f0]);
    expect(await jobsOf(s.id)).toHaveLength(1);

    const resumedAt = Date.now();
    const resumed = await t.http().patch(`/services/schedules/${s.id}`).set(auth).send({ enabled: true });
    const answeredAt = Date.now();
    expect(resumed.body.data.enabled).toBe(true);
    // The first fire time after the moment it was resumed (within the request): */2 s puts it 2 s at most after that.
    const next = Date.parse(resumed.body.data.next_run_at);
    expect(next).toBeGreaterThan(resumedAt);
    expect(next).toBeLessThanOrEqual(answeredAt + 2000);
    expect(next % 2000).toBe(0);
    clock.set(next - LOOKAHEAD_MS / 2);
    await fired(s.id, next);
    const jobs = await completed(s.id, 2);
    expect(jobs.map((j) => Date.parse(j.metadata.fire_at))).toEqual([f0, next]);
    expectOneJobPerFire(await runsOf(t, s.id), jobs);
    await t.http().patch(`/services/schedules/${s.id}`).set(auth).send({ enabled: false }).expect(200);
  });

  it('DELETE stops it: its runs go, its jobs stay, and a later pass fires nothing for it', async () => {
    const { auth, create } = await tenant();
    const s = await create({ cron: '*/2 * * * * *' });
    const f0 = Date.UTC(2026, 5, 2, 12, 0, 0);
    await dueAt(s.id, f0);
    clock.set(f0);
    const run = await fired(s.id, f0);
    await t.http().delete(`/services/schedules/${s.id}`).set(auth).expect(200);
    expect(await runsOf(t, s.id)).toEqual([]);
    clock.set(f0 + 10_000);
    await workers.pass();
    expect((await jobsOf(s.id)).map((j) => j.id)).toEqual([run.job_id]);
  });

  it('missed fires: one catch-up job for the most recent fire time, older ones skipped, then the next time after now', async () => {
    const { auth, create, view } = await tenant();
    const s = await create({ cron: '*/10 * * * *', enabled: false });
    // Everything was down for 3 hours: next_run_at is 18 fire times before now (12:34:56).
    const now = Date.UTC(2026, 5, 3, 12, 34, 56);
    const latest = Date.UTC(2026, 5, 3, 12, 30, 0);
    clock.set(now);
    await dueAt(s.id, latest - 3 * 3_600_000);

    await fired(s.id, latest);
    const [job] = await completed(s.id, 1);
    expect(Date.parse(job.metadata.fire_at)).toBe(latest);
    expect(job.metadata.catch_up).toBe(true);
    const events = (await t.http().get(`/services/agent-jobs/${job.id}/events`).set(auth)).body.data;
    expect([events[0].from, events[0].to]).toEqual([null, 'WAITING']); // late, so it ran at once
    const runs = await runsOf(t, s.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ catch_up: true, job_id: job.id, error: null, retry_at: null });
    expect(await view(s.id)).toMatchObject({ next_run_at: new Date(latest + 600_000).toISOString(), last_job_id: job.id });
    // A pass at the same time takes nothing more: the older missed times are skipped for good.
    await workers.pass();
    expect(await runsOf(t, s.id)).toHaveLength(1);
    await t.http().patch(`/services/schedules/${s.id}`).set(auth).send({ enabled: false }).expect(200);
  });

  it('09:00 Europe/Paris fires at 08:00 UTC before the spring-forward night and 07:00 UTC after it', async () => {
    const { auth, create } = await tenant();
    const s = await create({ cron: '0 9 * * *', timezone: 'Europe/Paris' });
    const before = Date.UTC(2026, 2, 28, 8, 0, 0);
    const after = Date.UTC(2026, 2, 29, 7, 0, 0);
    await dueAt(s.id, before);
    clock.set(before);
    await fired(s.id, before);
    clock.set(after);
    await fired(s.id, after);
    const runs = await runsOf(t, s.id);
    expect(runs.map((r) => [parisWallClock(r.fire_at), r.catch_up, r.job_id !== null])).toEqual([
      ['2026-03-28 09:00:00', false, true], ['2026-03-29 09:00:00', false, true],
    ]);
    expect((await t.http().get(`/services/schedules/${s.id}`).set(auth)).body.data.next_run_at).toBe('2026-03-30T07:00:00.000Z');
    await t.http().patch(`/services/schedules/${s.id}`).set(auth).send({ enabled: false }).expect(200);
  });

  it('a fire whose job cannot be created (job type deleted) is recorded and the schedule moves on, with no retry', async () => {
    const { auth, echoJob, create, view } = await tenant();
    await t.http().post('/services/job-types').set(auth).send({ id: 'doomed', name: 'Doomed', executor: { type: 'builtin', name: 'echo' } }).expect(201);
    const s = await create({ cron: '0 0 1 1 *', job: echoJob({ job_type_id: 'doomed' }) });
    // Paused, its job type can be deleted (an enabled schedule keeps it); resuming does not check it.
    await t.http().patch(`/services/schedules/${s.id}`).set(auth).send({ enabled: false }).expect(200);
    await t.http().delete('/services/job-types/doomed').set(auth).expect(200);
    await t.http().patch(`/services/schedules/${s.id}`).set(auth).send({ enabled: true }).expect(200);
    const fireAt = Date.UTC(2026, 5, 4, 8, 0, 0);
    await dueAt(s.id, fireAt);
    clock.set(fireAt - LOOKAHEAD_MS / 2);

    const run = await fired(s.id, fireAt);
    expect(run).toMatchObject({ job_id: null, catch_up: false, retry_at: null, error: { code: 'JOB_TYPE_NOT_FOUND', message: expect.any(String) } });
    expect(await view(s.id)).toMatchObject({ next_run_at: '2027-01-01T00:00:00.000Z', last_run_at: new Date(fireAt).toISOString(), last_job_id: null });
    const runs = await t.http().get(`/services/schedules/${s.id}/runs`).set(auth);
    expect(runs.body.data).toEqual([expect.objectContaining({ job_id: null, error: expect.objectContaining({ code: 'JOB_TYPE_NOT_FOUND' }) })]);
    // The run is settled (no retry_at) and the next fire is next year: a later pass does nothing.
    clock.set(fireAt + 60_000);
    await workers.pass();
    expect(await runsOf(t, s.id)).toHaveLength(1);
    expect(await jobsOf(s.id)).toHaveLength(0);
  });

  it('the daily jobs report at 09:00 Europe/Paris to a Slack channel', async () => {
    const { org, auth, create, view } = await tenant();
    await t.http().post('/services/job-types').set(auth)
      .send({ id: 'daily-report', name: 'Daily jobs report', executor: { type: 'builtin', name: 'jobs-report' } }).expect(201);
    const s = await create({
      name: 'Daily jobs report', cron: '0 9 * * *', timezone: 'Europe/Paris',
      job: { target_channel: { org_id: org, platform: 'slack', code: 'C0123ABCD' }, job_type_id: 'daily-report', params: { window_hours: 24 } },
    });
    expect(s.next_run_at).toBe(nextParis9(new Date()).toISOString());

    // 09:00 arrives: the most recent one, so that the report runs now.
    const nine = lastParis9(new Date());
    await dueAt(s.id, nine);
    clock.set(nine.getTime() - LOOKAHEAD_MS / 2);
    await fired(s.id, nine);
    const [job] = await eventually(async () => {
      const rows = await jobsOf(s.id);
      return rows.length > 0 && ['COMPLETED', 'FAILED'].includes(rows[0].status) && rows;
    }, 8000, 100);
    expect(job).toMatchObject({ status: 'COMPLETED', job_type_id: 'daily-report' });
    expect(job.metadata).toEqual({ schedule_id: s.id, fire_at: nine.toISOString(), catch_up: false });
    expect(parisWallClock(new Date(job.metadata.fire_at)).endsWith(' 09:00:00')).toBe(true);
    expect((job.result!.text as string).length).toBeGreaterThan(0);
    const api = (await t.http().get(`/services/agent-jobs/${job.id}`).set(auth)).body.data;
    expect(api).toMatchObject({ job_status: 'COMPLETED', channel_code: 'C0123ABCD', target_channel: { platform: 'slack', code: 'C0123ABCD' } });

    // The report is posted to the Slack channel (the service's bot token, SLACK_BOT_TOKEN).
    const delivered = await eventually(async () => {
      const j = (await t.http().get(`/services/agent-jobs/${job.id}`).set(auth)).body.data;
      return j.delivery && ['DELIVERED', 'FAILED'].includes(j.delivery.status) && j.delivery;
    }, 8000, 100);
    expect(delivered).toMatchObject({ status: 'DELIVERED', platform: 'slack', channel: 'C0123ABCD' });
    const posted = slack.messagesIn('C0123ABCD');
    expect(posted).toHaveLength(1);
    expect(posted[0].token).toBe('xoxb-test');
    expect(posted[0].text).toContain((job.result!.text as string).split('\n')[0]);

    // One fire, one job: its run is settled and the next fire is tomorrow's 09:00.
    expect((await runsOf(t, s.id)).map((r) => [r.job_id, r.retry_at])).toEqual([[job.id, null]]);
    expect(await jobsOf(s.id)).toHaveLength(1);
    expect(await view(s.id)).toMatchObject({ last_job_id: job.id, last_run_at: nine.toISOString(), next_run_at: nextParis9(nine).toISOString() });
    await t.http().patch(`/services/schedules/${s.id}`).set(auth).send({ enabled: false }).expect(200);
  });

  it('fires exactly once per fire time with two worker processes, none lost', async () => {
    const { auth, create } = await tenant();
    const s = await create({ cron: '* * * * * *' });
    const t0 = Date.UTC(2026, 5, 7, 12, 0, 0);
    await dueAt(s.id, t0);
    const seconds = 10;
    for (let k = 0; k < seconds; k++) {
      clock.set(t0 + k * 1000);
      // Passes in both workers at once compete for every fire.
      await fired(s.id, t0 + k * 1000);
    }
    await t.http().patch(`/services/schedules/${s.id}`).set(auth).send({ enabled: false }).expect(200);

    const runs = await runsOf(t, s.id);
    expect(runs.map((r) => r.fire_at.getTime())).toEqual(Array.from({ length: seconds }, (_, k) => t0 + k * 1000));
    const jobs = await completed(s.id, seconds);
    expectOneJobPerFire(runs, jobs);
  });
});
