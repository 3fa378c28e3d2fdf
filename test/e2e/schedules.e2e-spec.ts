import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WorkerModule } from '../../apps/worker/worker.module';
import { expectProblem, fieldsOf } from '../support/problem';
import { SlackServer, startSlackServer } from '../support/slack-server';
import { bearer, eventually, newOrg, startTestApp, TestApp } from '../support/test-app';

/** Recurring schedules: the API, firing on time and exactly once, pause/resume, missed fires. */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Paris wall-clock time of an instant, from Intl alone (no cron library): "YYYY-MM-DD HH:MM:SS". */
function parisWallClock(at: Date): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).formatToParts(at);
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** The first instant after `after` that is 09:00:00 in Paris on a day `dayOk` accepts. */
function nextParis9(after: Date, dayOk: (month: number, day: number) => boolean = () => true): Date {
  const start = Date.UTC(after.getUTCFullYear(), after.getUTCMonth(), after.getUTCDate());
  for (let d = 0; d < 800; d++) {
    const day = new Date(start + d * 86_400_000);
    if (!dayOk(day.getUTCMonth() + 1, day.getUTCDate())) continue;
    const ymd = day.toISOString().slice(0, 10);
    for (const hourUtc of [6, 7, 8, 9]) {
      const candidate = new Date(start + d * 86_400_000 + hourUtc * 3_600_000);
      if (candidate > after && parisWallClock(candidate) === `${ymd} 09:00:00`) return candidate;
    }
  }
  throw new Error('no 09:00 Paris found');
}

interface JobRowLite {
  id: string;
  status: string;
  scheduled_at: Date;
  started_at: Date | null;
  created_by: string;
  job_type_id: string;
  metadata: { schedule_id: string; fire_at: string; catch_up: boolean } & Record<string, unknown>;
  result: Record<string, unknown> | null;
}

async function jobsOf(t: TestApp, scheduleId: string): Promise<JobRowLite[]> {
  const { rows } = await t.db.query(
    `SELECT id, status, scheduled_at, started_at, created_by, job_type_id, metadata, result FROM jobs
     WHERE metadata->>'schedule_id' = $1 ORDER BY metadata->>'fire_at', created_at`,
    [scheduleId],
  );
  return rows;
}

async function runsOf(t: TestApp, scheduleId: string): Promise<Array<{ fire_at: Date; job_id: string | null; error: { code: string } | null; catch_up: boolean }>> {
  const { rows } = await t.db.query(`SELECT * FROM schedule_runs WHERE schedule_id = $1 ORDER BY fire_at`, [scheduleId]);
  return rows;
}

/** Every fire time has exactly one job, and every job is its run's job. */
function expectOneJobPerFire(runs: Awaited<ReturnType<typeof runsOf>>, jobs: JobRowLite[]): void {
  const fireTimes = jobs.map((j) => j.metadata.fire_at);
  expect(new Set(fireTimes).size).toBe(fireTimes.length);
  expect(runs.map((r) => r.fire_at.toISOString())).toEqual(fireTimes);
  expect(runs.map((r) => r.job_id)).toEqual(jobs.map((j) => j.id));
}

describe('schedules', () => {
  let t: TestApp;
  let orgA: string;
  let orgB: string;
  let a: Record<string, string>;
  let aRead: Record<string, string>;
  let b: Record<string, string>;
  const echoJob = (extra: Record<string, unknown> = {}) => ({
    target_channel: { org_id: orgA, platform: 'slack', code: 'C0SCHED1' }, job_type_id: 'echo', params: { hello: 'schedule' }, ...extra,
  });
  const create = (body: Record<string, unknown>, auth = a) => t.http().post('/services/schedules').set(auth).send(body);

  // Firing runs in two worker processes (worker contexts on the same database and queue prefix),
  // beside an API without a worker, as in production: every firing test also checks exactly-once.
  const workers: INestApplicationContext[] = [];
  let slack: SlackServer;

  beforeAll(async () => {
    slack = await startSlackServer();
    slack.addToken('xoxb-test', { team_id: 'T0SCHED', team_name: 'schedules' });
    t = await startTestApp({
      withWorker: false,
      env: { SCHEDULE_POLL_MS: '250', SLACK_API_URL: `${slack.url}/api/`, SLACK_BOT_TOKEN: 'xoxb-test' },
    });
    for (let i = 0; i < 2; i++) {
      workers.push(await NestFactory.createApplicationContext(WorkerModule.forRoot(t.env), { logger: ['error'] }));
    }
    orgA = newOrg('scha');
    orgB = newOrg('schb');
    a = bearer(await t.token(orgA, { SERVICES: 'WRITE' }));
    aRead = bearer(await t.token(orgA, { SERVICES: 'READ' }));
    b = bearer(await t.token(orgB, { SERVICES: 'WRITE' }));
    await t.http().post('/services/job-types').set(a).send({ id: 'echo', name: 'Echo', executor: { type: 'builtin', name: 'echo' } }).expect(201);
    await t.http().post('/services/job-types').set(a).send({
      id: 'strict', name: 'Strict', executor: { type: 'builtin', name: 'echo' },
      params_schema: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
    }).expect(201);
    await t.http().post('/services/job-types').set(b).send({ id: 'b-only', name: 'B', executor: { type: 'builtin', name: 'echo' } }).expect(201);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await t?.close();
    await slack?.close();
  });

  describe('API', () => {
    it('creates, reads, lists, updates and deletes', async () => {
      const before = Date.now();
      const res = await create({ name: 'nightly', cron: '0 3 * * *', timezone: 'UTC', job: echoJob() });
      expect(res.status).toBe(201);
      const s = res.body.data;
      expect(res.body.meta).toEqual({ org_id: orgA, id: s.id });
      expect(s).toEqual({
        id: expect.stringMatching(/^sch_/), org_id: orgA, name: 'nightly', cron: '0 3 * * *', timezone: 'UTC', job: echoJob(),
        enabled: true, next_run_at: expect.any(String), last_run_at: null, last_job_id: null,
        created_at: expect.any(String), updated_at: expect.any(String),
      });
      const next = new Date(s.next_run_at);
      expect(next.getUTCHours()).toBe(3);
      expect(next.getTime()).toBeGreaterThan(before);
      expect(next.getTime()).toBeLessThanOrEqual(before + 86_400_000);

      const got = await t.http().get(`/services/schedules/${s.id}`).set(aRead);
      expect(got.status).toBe(200);
      expect(got.body).toEqual({ data: s, meta: { org_id: orgA, id: s.id } });

      const paused = await create({ cron: '*/5 * * * *', timezone: 'Europe/Paris', job: echoJob(), enabled: false });
      expect(paused.status).toBe(201);
      expect(paused.body.data).toMatchObject({ enabled: false, next_run_at: null, name: null });

      const list = await t.http().get('/services/schedules?limit=1').set(aRead);
      expect(list.status).toBe(200);
      expect(list.body.meta).toEqual({ org_id: orgA, limit: 1, offset: 0, total: expect.any(Number) });
      expect(list.body.meta.total).toBeGreaterThanOrEqual(2);
      expect(list.body.data).toHaveLength(1);
      expect(list.body.data[0].id).toBe(paused.body.data.id); // newest first
      const page2 = await t.http().get('/services/schedules?limit=1&offset=1').set(aRead);
      expect(page2.body.data[0].id).toBe(s.id);
      expectProblem(await t.http().get('/services/schedules?limit=0').set(aRead), 400, 'VALIDATION_ERROR');
      expectProblem(await t.http().get('/services/schedules?offset=-1').set(aRead), 400, 'VALIDATION_ERROR');

      const patched = await t.http().patch(`/services/schedules/${s.id}`).set(a).send({ name: 'renamed', job: echoJob({ params: { v: 2 } }) });
      expect(patched.status).toBe(200);
      expect(patched.body.data).toMatchObject({ name: 'renamed', job: echoJob({ params: { v: 2 } }), next_run_at: s.next_run_at });
      const retimed = await t.http().patch(`/services/schedules/${s.id}`).set(a).send({ cron: '30 4 * * *' });
      expect(new Date(retimed.body.data.next_run_at).getUTCHours()).toBe(4);

      expectProblem(await t.http().post('/services/schedules').set(aRead).send({ cron: '* * * * *', timezone: 'UTC', job: echoJob() }), 403, 'INSUFFICIENT_ACCESS');
      expectProblem(await t.http().patch(`/services/schedules/${s.id}`).set(aRead).send({ enabled: false }), 403, 'INSUFFICIENT_ACCESS');
      expectProblem(await t.http().delete(`/services/schedules/${s.id}`).set(aRead), 403, 'INSUFFICIENT_ACCESS');

      const del = await t.http().delete(`/services/schedules/${s.id}`).set(a);
      expect(del.status).toBe(200);
      expect(del.body.meta).toEqual({ org_id: orgA, id: s.id });
      expectProblem(await t.http().get(`/services/schedules/${s.id}`).set(a), 404, 'SCHEDULE_NOT_FOUND');
      expectProblem(await t.http().delete(`/services/schedules/${s.id}`).set(a), 404, 'SCHEDULE_NOT_FOUND');
      expectProblem(await t.http().patch('/services/schedules/sch_nope').set(a).send({ enabled: true }), 404, 'SCHEDULE_NOT_FOUND');
      await t.http().delete(`/services/schedules/${paused.body.data.id}`).set(a).expect(200);
    });

    it('refuses bad cron, bad time zone and bad job bodies with field errors, never a 500', async () => {
      const base = { cron: '0 9 * * *', timezone: 'Europe/Paris', job: echoJob() };
      for (const cron of ['not a cron', '* * *', '0 9 * * * * *', '61 * * * *', '0 9 31 4 *', '']) {
        const res = await create({ ...base, cron });
        if (cron === '') {
          expectProblem(res, 400, 'VALIDATION_ERROR');
        } else {
          expectProblem(res, 400, 'INVALID_CRON');
        }
        expect(fieldsOf(res)).toContain('cron');
      }
      for (const timezone of ['Mars/Olympus', '+02:00', 'Paris']) {
        const res = await create({ ...base, timezone });
        expectProblem(res, 400, 'INVALID_TIMEZONE');
        expect(fieldsOf(res)).toEqual(['timezone']);
      }
      // Every field error at once; the code names the cron problem first.
      const both = await create({ ...base, cron: 'x', timezone: 'Nowhere/Land', job: { job_type_id: 'echo' } });
      expectProblem(both, 400, 'INVALID_CRON');
      expect(fieldsOf(both)).toEqual(expect.arrayContaining(['cron', 'timezone', 'job.target_channel']));

      const badJob = await create({
        ...base,
        job: { target_channel: { org_id: orgA, platform: 'carrier-pigeon', code: 'C1' }, job_type_id: 7, extra: true, config: 'x' },
      });
      expectProblem(badJob, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(badJob)).toEqual(expect.arrayContaining(['job.target_channel.platform', 'job.job_type_id', 'job.extra', 'job.config']));
      const scheduled = await create({ ...base, job: echoJob({ scheduled_at: new Date(Date.now() + 60_000).toISOString() }) });
      expectProblem(scheduled, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(scheduled)).toEqual(['job.scheduled_at']);
      const channel = await create({ ...base, job: echoJob({ target_channel: { org_id: orgA, platform: 'slack', code: '#general' } }) });
      expectProblem(channel, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(channel)).toEqual(['job.target_channel.code']);
      const params = await create({ ...base, job: echoJob({ job_type_id: 'strict', params: { n: 'one' } }) });
      expectProblem(params, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(params)).toEqual(['job.params.n']);
      const config = await create({ ...base, job: echoJob({ config: { max_task_retries: -1 } }) });
      expectProblem(config, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(config)).toEqual(['job.config.max_task_retries']);

      expectProblem(await create({ ...base, job: echoJob({ job_type_id: 'no-such-type' }) }), 404, 'JOB_TYPE_NOT_FOUND');
      expectProblem(await create({ ...base, job: echoJob({ job_type_id: 'b-only' }) }), 404, 'JOB_TYPE_NOT_FOUND');
      expectProblem(await create({ ...base, job: echoJob({ target_channel: { org_id: orgB, platform: 'slack', code: 'C0001' } }) }), 403, 'ORG_MISMATCH');

      for (const body of [{ ...base, job: 'echo' }, { ...base, job: [] }, { ...base, enabled: 'yes' }, { ...base, cron: 5 }, { ...base, surprise: 1 }, { timezone: 'UTC', job: echoJob() }]) {
        expectProblem(await create(body), 400, 'VALIDATION_ERROR');
      }

      // PATCH validates the same way and leaves the schedule as it was.
      const ok = (await create(base).expect(201)).body.data;
      expectProblem(await t.http().patch(`/services/schedules/${ok.id}`).set(a).send({ cron: '99 * * * *' }), 400, 'INVALID_CRON');
      expectProblem(await t.http().patch(`/services/schedules/${ok.id}`).set(a).send({ timezone: 'Europe/Pariss' }), 400, 'INVALID_TIMEZONE');
      for (const body of [{ cron: null }, { timezone: null }, { job: null }, { enabled: null }, { enabled: 'no' }, { id: 'sch_x' }]) {
        expectProblem(await t.http().patch(`/services/schedules/${ok.id}`).set(a).send(body), 400, 'VALIDATION_ERROR');
      }
      const patchJob = await t.http().patch(`/services/schedules/${ok.id}`).set(a).send({ job: { ...echoJob(), target_channel: { org_id: orgA } } });
      expectProblem(patchJob, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(patchJob)).toEqual(expect.arrayContaining(['job.target_channel.platform', 'job.target_channel.code']));
      expectProblem(await t.http().patch(`/services/schedules/${ok.id}`).set(a).send({ job: echoJob({ job_type_id: 'gone' }) }), 404, 'JOB_TYPE_NOT_FOUND');
      const after = await t.http().get(`/services/schedules/${ok.id}`).set(a);
      expect(after.body.data).toEqual(ok);
      await t.http().delete(`/services/schedules/${ok.id}`).set(a).expect(200);
    });

    it('next_run_at of 09:00 Europe/Paris is 08:00 UTC in winter and 07:00 UTC in summer, around both DST changes', async () => {
      const now = new Date();
      const daily = (await create({ cron: '0 9 * * *', timezone: 'Europe/Paris', job: echoJob(), enabled: true }).expect(201)).body.data;
      // The next 09:00 Paris, found with Intl alone.
      const expected = nextParis9(now);
      expect(daily.next_run_at).toBe(expected.toISOString());
      // Paris is UTC+1 in winter, UTC+2 in summer: 09:00 there is 08:00 or 07:00 UTC.
      const noonUtc = new Date(`${expected.toISOString().slice(0, 10)}T12:00:00Z`);
      const summer = parisWallClock(noonUtc).endsWith('14:00:00');
      expect(expected.getUTCHours()).toBe(summer ? 7 : 8);

      // Days that are always before/after the last Sundays of March and October, whatever the year.
      const cases: Array<[string, number, number, number]> = [
        ['0 9 15 1 *', 1, 15, 8], // winter
        ['0 9 24 3 *', 3, 24, 8], // just before spring-forward
        ['0 9 1 4 *', 4, 1, 7], // just after spring-forward
        ['0 9 15 7 *', 7, 15, 7], // summer
        ['0 9 24 10 *', 10, 24, 7], // just before fall-back
        ['0 9 1 11 *', 11, 1, 8], // just after fall-back
      ];
      for (const [cron, month, day, utcHour] of cases) {
        const s = (await create({ cron, timezone: 'Europe/Paris', job: echoJob() }).expect(201)).body.data;
        const want = nextParis9(now, (m, d) => m === month && d === day);
        expect({ cron, next: s.next_run_at }).toEqual({ cron, next: want.toISOString() });
        expect({ cron, hour: new Date(s.next_run_at).getUTCHours() }).toEqual({ cron, hour: utcHour });
        await t.http().delete(`/services/schedules/${s.id}`).set(a).expect(200);
      }
      await t.http().delete(`/services/schedules/${daily.id}`).set(a).expect(200);
    });

    it("isolates orgs: B gets 403 on A's schedule, 404 on unknown ids, and never lists A's", async () => {
      const secret = 'C0AONLY5C1E';
      const s = (await create({ name: 'a-private', cron: '0 0 1 1 *', timezone: 'UTC', job: echoJob({ target_channel: { org_id: orgA, platform: 'slack', code: secret } }) }).expect(201)).body.data;
      for (const res of [
        await t.http().get(`/services/schedules/${s.id}`).set(b),
        await t.http().get(`/services/schedules/${s.id}/runs`).set(b),
        await t.http().patch(`/services/schedules/${s.id}`).set(b).send({ enabled: false }),
        await t.http().delete(`/services/schedules/${s.id}`).set(b),
      ]) {
        expectProblem(res, 403, 'FORBIDDEN');
        expect(JSON.stringify(res.body)).not.toContain(secret);
        expect(JSON.stringify(res.body)).not.toContain('a-private');
      }
      expectProblem(await t.http().get('/services/schedules/sch_00000000000000000000000000').set(b), 404, 'SCHEDULE_NOT_FOUND');
      const bOwn = (await create({ cron: '0 0 1 1 *', timezone: 'UTC', job: { target_channel: { org_id: orgB, platform: 'slack', code: 'C0B1' }, job_type_id: 'b-only' } }, b).expect(201)).body.data;
      const list = await t.http().get('/services/schedules?limit=100').set(b);
      expect(list.body.data.map((x: { id: string }) => x.id)).toEqual([bOwn.id]);
      expect(list.body.meta.total).toBe(1);
      expect(JSON.stringify(list.body)).not.toContain(secret);
      // A's schedule is untouched by B's attempts.
      expect((await t.http().get(`/services/schedules/${s.id}`).set(a)).body.data).toEqual(s);
      await t.http().delete(`/services/schedules/${s.id}`).set(a).expect(200);
    });
  });

  describe('firing', () => {
    let every2s: { id: string };

    it('a 6-field cron every 2 s creates one job per fire time, scheduled at it, started within ~1 s, COMPLETED', async () => {
      // Created just after an odd second, so the first fire is ~1 s away: every fire, the first
      // included, is then claimed ahead of time (a fire due before the next poll would start late).
      await sleep((3050 - (Date.now() % 2000)) % 2000);
      const started = Date.now();
      every2s = (await create({ name: 'every 2 s', cron: '*/2 * * * * *', timezone: 'UTC', job: echoJob() }).expect(201)).body.data;
      const first = new Date((every2s as unknown as { next_run_at: string }).next_run_at).getTime();
      expect(first % 2000).toBe(0);
      expect(first).toBeGreaterThan(started);
      expect(first).toBeLessThanOrEqual(started + 2000);

      const jobs = await eventually(async () => {
        const rows = await jobsOf(t, every2s.id);
        return rows.filter((j) => j.status === 'COMPLETED').length >= 2 && rows;
      }, 15_000, 100);
      const completed = jobs.filter((j) => j.status === 'COMPLETED');
      expect(completed.length).toBeGreaterThanOrEqual(2);
      for (const job of completed) {
        const fireAt = Date.parse(job.metadata.fire_at);
        expect(fireAt % 2000).toBe(0);
        expect(job.scheduled_at.getTime()).toBe(fireAt);
        expect(job.metadata).toEqual({ schedule_id: every2s.id, fire_at: job.metadata.fire_at, catch_up: false });
        expect(job.created_by).toBe(`schedule:${every2s.id}`);
        expect(job.result).toEqual({ hello: 'schedule' });
        const lateness = job.started_at!.getTime() - fireAt;
        expect(lateness).toBeGreaterThanOrEqual(0);
        expect(lateness).toBeLessThan(1000);
      }
      // Consecutive fire times, none skipped, none doubled.
      const times = jobs.map((j) => Date.parse(j.metadata.fire_at));
      times.slice(1).forEach((tm, i) => expect(tm - times[i]).toBe(2000));
      expectOneJobPerFire(await runsOf(t, every2s.id), await jobsOf(t, every2s.id));

      const events = await t.http().get(`/services/agent-jobs/${completed[0].id}/events`).set(a);
      // (Later COMPLETED -> COMPLETED events record the result's delivery to the channel.)
      expect(events.body.data.slice(0, 3).map((e: { from: string | null; to: string; actor: string }) => [e.from, e.to])).toEqual([
        [null, 'SCHEDULED'], ['SCHEDULED', 'RUNNING'], ['RUNNING', 'COMPLETED'],
      ]);
      expect(events.body.data[0].actor).toBe(`schedule:${every2s.id}`);

      const view = (await t.http().get(`/services/schedules/${every2s.id}`).set(a)).body.data;
      expect(view.last_job_id).toEqual(expect.stringMatching(/^job_/));
      expect(Date.parse(view.next_run_at)).toBeGreaterThan(Date.parse(view.last_run_at));
      const runs = await t.http().get(`/services/schedules/${every2s.id}/runs?limit=2`).set(aRead);
      expect(runs.status).toBe(200);
      expect(runs.body.data[0]).toEqual({ fire_at: expect.any(String), job_id: expect.stringMatching(/^job_/), catch_up: false, error: null, created_at: expect.any(String) });
      expect(runs.body.meta.total).toBeGreaterThanOrEqual(2);
    });

    it('pause stops firing; resume restarts with a future next_run_at', async () => {
      const paused = await t.http().patch(`/services/schedules/${every2s.id}`).set(a).send({ enabled: false });
      expect(paused.status).toBe(200);
      expect(paused.body.data).toMatchObject({ enabled: false, next_run_at: null });
      const countAtPause = (await runsOf(t, every2s.id)).length;
      await sleep(2100);
      expect((await runsOf(t, every2s.id)).length).toBe(countAtPause);
      expect((await jobsOf(t, every2s.id)).length).toBe(countAtPause);

      const resumedAt = Date.now();
      const resumed = await t.http().patch(`/services/schedules/${every2s.id}`).set(a).send({ enabled: true });
      expect(resumed.body.data.enabled).toBe(true);
      const next = Date.parse(resumed.body.data.next_run_at);
      expect(next).toBeGreaterThan(resumedAt);
      expect(next).toBeLessThanOrEqual(resumedAt + 2000);
      expect(next % 2000).toBe(0);
      // It fires again, from the resume on: nothing for the paused time.
      await eventually(async () => (await jobsOf(t, every2s.id)).some((j) => Date.parse(j.metadata.fire_at) >= next && j.status === 'COMPLETED'), 6000, 100);
      const jobs = await jobsOf(t, every2s.id);
      const fresh = jobs.slice(countAtPause).map((j) => Date.parse(j.metadata.fire_at));
      expect(fresh[0]).toBe(next);
      expectOneJobPerFire(await runsOf(t, every2s.id), jobs);
    });

    it('DELETE stops it', async () => {
      await t.http().delete(`/services/schedules/${every2s.id}`).set(a).expect(200);
      const jobsAtDelete = (await jobsOf(t, every2s.id)).length;
      expect(await runsOf(t, every2s.id)).toEqual([]); // its run history goes with it
      await sleep(2100);
      expect((await jobsOf(t, every2s.id)).length).toBe(jobsAtDelete);
    });

    it('missed fires: one catch-up job for the most recent fire time, older ones skipped, then the next future time', async () => {
      const s = (await create({ cron: '*/10 * * * *', timezone: 'UTC', job: echoJob(), enabled: false }).expect(201)).body.data;
      // Everything was down for 3 hours: next_run_at is 18 fire times in the past.
      const before = Date.now();
      const latestBefore = Math.floor(before / 600_000) * 600_000;
      await t.db.query(`UPDATE schedules SET enabled = true, next_run_at = $2 WHERE id = $1`, [s.id, new Date(latestBefore - 3 * 3_600_000)]);

      const [job] = await eventually(async () => {
        const rows = await jobsOf(t, s.id);
        return rows.length > 0 && rows[0].status === 'COMPLETED' && rows;
      }, 8000, 100);
      const latestAfter = Math.floor(Date.now() / 600_000) * 600_000;
      expect([latestBefore, latestAfter]).toContain(Date.parse(job.metadata.fire_at));
      expect(job.metadata.catch_up).toBe(true);
      // Late by minutes, so it runs at once.
      expect(job.started_at!.getTime() - job.scheduled_at.getTime()).toBeLessThan(1000);
      await sleep(1000);
      const runs = await runsOf(t, s.id);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ catch_up: true, job_id: job.id, error: null });
      expect(await jobsOf(t, s.id)).toHaveLength(1);
      const view = (await t.http().get(`/services/schedules/${s.id}`).set(a)).body.data;
      expect(Date.parse(view.next_run_at)).toBe(Date.parse(job.metadata.fire_at) + 600_000);
      expect(Date.parse(view.next_run_at)).toBeGreaterThan(Date.now());
      expect(view.last_job_id).toBe(job.id);
      await t.http().delete(`/services/schedules/${s.id}`).set(a).expect(200);
    });

    it('a fire whose job cannot be created (job type deleted) is recorded and the schedule moves on', async () => {
      await t.http().post('/services/job-types').set(a).send({ id: 'doomed', name: 'Doomed', executor: { type: 'builtin', name: 'echo' } }).expect(201);
      const s = (await create({ cron: '0 0 1 1 *', timezone: 'UTC', job: echoJob({ job_type_id: 'doomed' }) }).expect(201)).body.data;
      // An enabled schedule keeps its job type (409); paused, the type can go, and resuming does not check it.
      await t.http().delete('/services/job-types/doomed').set(a).expect(409);
      await t.http().patch(`/services/schedules/${s.id}`).set(a).send({ enabled: false }).expect(200);
      await t.http().delete('/services/job-types/doomed').set(a).expect(200);
      await t.http().patch(`/services/schedules/${s.id}`).set(a).send({ enabled: true }).expect(200);
      const fireAt = new Date(Date.now() + 500);
      await t.db.query(`UPDATE schedules SET next_run_at = $2 WHERE id = $1`, [s.id, fireAt]);

      const [run] = await eventually(async () => {
        const rows = await runsOf(t, s.id);
        return rows.length > 0 && rows;
      }, 5000, 100);
      expect(run).toMatchObject({ job_id: null, catch_up: false, error: { code: 'JOB_TYPE_NOT_FOUND', message: expect.any(String) } });
      expect(run.fire_at.getTime()).toBe(fireAt.getTime());
      const view = (await t.http().get(`/services/schedules/${s.id}`).set(a)).body.data;
      expect(view.next_run_at).toBe(`${new Date().getUTCFullYear() + 1}-01-01T00:00:00.000Z`);
      expect(view.last_run_at).toBe(fireAt.toISOString());
      expect(view.last_job_id).toBeNull();
      const runs = await t.http().get(`/services/schedules/${s.id}/runs`).set(a);
      expect(runs.body.data).toEqual([expect.objectContaining({ job_id: null, error: expect.objectContaining({ code: 'JOB_TYPE_NOT_FOUND' }) })]);
      await sleep(1000);
      expect(await runsOf(t, s.id)).toHaveLength(1); // no retry loop
      expect(await jobsOf(t, s.id)).toHaveLength(0);
      await t.http().delete(`/services/schedules/${s.id}`).set(a).expect(200);
    });

    it('a fire retried after a crash (job created, transaction lost) finds its job instead of creating another', async () => {
      const s = (await create({ cron: '0 0 1 1 *', timezone: 'UTC', job: echoJob() }).expect(201)).body.data;
      const fireAt = new Date(Date.now() + 1500);
      // What the crashed attempt left behind: the fire's job, under the fire's idempotency key.
      const crashed = await t.http().post('/services/agent-jobs').set(a)
        .set('Idempotency-Key', `schedule:${s.id}:${fireAt.toISOString()}`)
        .send({ ...echoJob(), scheduled_at: fireAt.toISOString(), metadata: { schedule_id: s.id, fire_at: fireAt.toISOString(), catch_up: false } });
      expect(crashed.status).toBe(201);
      await t.db.query(`UPDATE schedules SET next_run_at = $2 WHERE id = $1`, [s.id, fireAt]);

      const [run] = await eventually(async () => {
        const rows = await runsOf(t, s.id);
        return rows.length > 0 && rows;
      }, 5000, 100);
      expect(run).toMatchObject({ job_id: crashed.body.data.job_id, error: null });
      expect((await jobsOf(t, s.id)).map((j) => j.id)).toEqual([crashed.body.data.job_id]);
      expect((await t.http().get(`/services/schedules/${s.id}`).set(a)).body.data.last_job_id).toBe(crashed.body.data.job_id);
      await t.http().delete(`/services/schedules/${s.id}`).set(a).expect(200);
    });

    it('the daily jobs report at 09:00 Europe/Paris to a Slack channel', async () => {
      await t.http().post('/services/job-types').set(a)
        .send({ id: 'daily-report', name: 'Daily jobs report', executor: { type: 'builtin', name: 'jobs-report' } }).expect(201);
      const created = await create({
        name: 'Daily jobs report', cron: '0 9 * * *', timezone: 'Europe/Paris',
        job: { target_channel: { org_id: orgA, platform: 'slack', code: 'C0123ABCD' }, job_type_id: 'daily-report', params: { window_hours: 24 } },
      });
      expect(created.status).toBe(201);
      const s = created.body.data;
      expect(s.next_run_at).toBe(nextParis9(new Date()).toISOString());

      // 09:00 arrives.
      const fireAt = new Date(Date.now() + 1000);
      await t.db.query(`UPDATE schedules SET next_run_at = $2 WHERE id = $1`, [s.id, fireAt]);
      const [job] = await eventually(async () => {
        const rows = await jobsOf(t, s.id);
        return rows.length > 0 && ['COMPLETED', 'FAILED'].includes(rows[0].status) && rows;
      }, 8000, 100);
      expect(job).toMatchObject({ status: 'COMPLETED', job_type_id: 'daily-report' });
      expect(job.scheduled_at.getTime()).toBe(fireAt.getTime());
      expect(job.result).toEqual(expect.objectContaining({ text: expect.any(String) }));
      expect((job.result!.text as string).length).toBeGreaterThan(0);
      const api = (await t.http().get(`/services/agent-jobs/${job.id}`).set(a)).body.data;
      expect(api).toMatchObject({ job_status: 'COMPLETED', channel_code: 'C0123ABCD', target_channel: { platform: 'slack', code: 'C0123ABCD' } });

      // The report is posted to the Slack channel (the service's bot token, SLACK_BOT_TOKEN).
      const delivered = await eventually(async () => {
        const j = (await t.http().get(`/services/agent-jobs/${job.id}`).set(a)).body.data;
        return j.delivery && ['DELIVERED', 'FAILED'].includes(j.delivery.status) && j.delivery;
      }, 8000, 100);
      expect(delivered).toMatchObject({ status: 'DELIVERED', platform: 'slack', channel: 'C0123ABCD' });
      const posted = slack.messagesIn('C0123ABCD');
      expect(posted).toHaveLength(1);
      expect(posted[0].token).toBe('xoxb-test');
      expect(posted[0].text).toContain((job.result!.text as string).split('\n')[0]);

      await sleep(500);
      expect(await jobsOf(t, s.id)).toHaveLength(1);
      const view = (await t.http().get(`/services/schedules/${s.id}`).set(a)).body.data;
      expect(view).toMatchObject({ last_job_id: job.id, last_run_at: fireAt.toISOString(), next_run_at: nextParis9(new Date()).toISOString() });
    });

    it('fires exactly once per fire time with two worker processes, none lost', async () => {
      const org = newOrg('sch2w');
      const auth = bearer(await t.token(org, { SERVICES: 'WRITE' }));
      await t.http().post('/services/job-types').set(auth).send({ id: 'echo', name: 'Echo', executor: { type: 'builtin', name: 'echo' } }).expect(201);
      const s = (await t.http().post('/services/schedules').set(auth).send({
        cron: '* * * * * *', timezone: 'UTC', job: { target_channel: { org_id: org, platform: 'slack', code: 'C0TWOW1' }, job_type_id: 'echo' },
      }).expect(201)).body.data;
      await sleep(6000);
      await t.http().patch(`/services/schedules/${s.id}`).set(auth).send({ enabled: false }).expect(200);

      const runs = await runsOf(t, s.id);
      const jobs = await jobsOf(t, s.id);
      expect(runs.length).toBeGreaterThanOrEqual(5);
      expectOneJobPerFire(runs, jobs);
      // No fire time lost either: one every second.
      const times = runs.map((r) => r.fire_at.getTime());
      times.slice(1).forEach((tm, i) => expect(tm - times[i]).toBe(1000));
      const { rows } = await t.db.query(
        `SELECT metadata->>'fire_at' AS fire_at, count(*)::int AS n FROM jobs WHERE metadata->>'schedule_id' = $1 GROUP BY 1 HAVING count(*) > 1`,
        [s.id],
      );
      expect(rows).toEqual([]);
      await eventually(async () => (await jobsOf(t, s.id)).every((j) => j.status === 'COMPLETED'), 5000, 100);
    });
  });
});
