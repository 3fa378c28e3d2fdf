import { createEchoJobType } from '../support/jobs';
import { expectProblem, fieldsOf } from '../support/problem';
import { nextParis9, parisWallClock } from '../support/paris-time';
import { bearer, newOrg, startTestApp, TestApp } from '../support/test-app';

/**
 * Recurring schedules: the API (validation, time zones, tenancy). Firing (on time, exactly
 * once, pause/resume, missed fires) is in schedule-firing.e2e-spec.ts; fires racing DELETE
 * and pause in schedule-races.e2e-spec.ts. Each test has its own orgs.
 */

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

  beforeAll(async () => {
    t = await startTestApp({ withWorker: false });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    orgA = newOrg('scha');
    orgB = newOrg('schb');
    a = bearer(await t.token(orgA, { SERVICES: 'WRITE' }));
    aRead = bearer(await t.token(orgA, { SERVICES: 'READ' }));
    b = bearer(await t.token(orgB, { SERVICES: 'WRITE' }));
    await createEchoJobType(t, a);
    await t.http().post('/services/job-types').set(a).send({
      id: 'strict', name: 'Strict', executor: { type: 'builtin', name: 'echo' },
      params_schema: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
    }).expect(201);
    await t.http().post('/services/job-types').set(b).send({ id: 'b-only', name: 'B', executor: { type: 'builtin', name: 'echo' } }).expect(201);
  });

  describe('API', () => {
    it('creates, reads, lists, updates and deletes', async () => {
      const before = Date.now();
      const res = await create({ name: 'nightly', cron: '0 3 * * *', timezone: 'UTC', job: echoJob() });
      const after = Date.now();
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
      expect(next.getTime()).toBeLessThanOrEqual(after + 86_400_000);

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
});
