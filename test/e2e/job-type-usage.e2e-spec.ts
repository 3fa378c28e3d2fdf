import { expectProblem } from '../support/problem';
import { bearer, newOrg, startTestApp, TestApp } from '../support/test-app';

/** What keeps a job type from being deleted (409 JOB_TYPE_IN_USE): enabled schedules and unfinished jobs. */
describe('job type usage', () => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp({ withWorker: false }); });
  afterAll(async () => { await t?.close(); });

  async function orgWithType(id: string) {
    const org = newOrg('usage');
    const auth = bearer(await t.token(org, { SERVICES: 'WRITE' }));
    await t.http().post('/services/job-types').set(auth).send({ id, name: id, executor: { type: 'builtin', name: 'echo' } }).expect(201);
    const schedule = (enabled: boolean) => t.http().post('/services/schedules').set(auth).send({
      cron: '0 0 1 1 *', timezone: 'UTC', enabled, job: { target_channel: { org_id: org, platform: 'slack', code: 'CUSAGE' }, job_type_id: id },
    }).expect(201).then((r) => r.body.data.id as string);
    return { org, auth, schedule, del: () => t.http().delete(`/services/job-types/${id}`).set(auth) };
  }

  it('an enabled schedule keeps its job type: 409 naming the schedule, until it is paused or deleted', async () => {
    const { auth, schedule, del } = await orgWithType('nightly');
    const first = await schedule(true);
    const second = await schedule(true);
    const res = await del();
    expectProblem(res, 409, 'JOB_TYPE_IN_USE');
    expect(res.body.detail).toContain(first);
    expect(res.body.detail).toContain(second);
    expect((await t.http().get('/services/job-types/nightly').set(auth)).status).toBe(200);

    await t.http().patch(`/services/schedules/${first}`).set(auth).send({ enabled: false }).expect(200);
    const still = await del();
    expectProblem(still, 409, 'JOB_TYPE_IN_USE');
    expect(still.body.detail).not.toContain(first);
    await t.http().delete(`/services/schedules/${second}`).set(auth).expect(200);
    expect((await del()).status).toBe(200);
  });

  it('a paused schedule does not keep it, nor does another org\'s schedule of a type with the same id', async () => {
    const mine = await orgWithType('shared-name');
    const theirs = await orgWithType('shared-name');
    await mine.schedule(false);
    await theirs.schedule(true);
    expect((await mine.del()).status).toBe(200);
    expectProblem(await theirs.del(), 409, 'JOB_TYPE_IN_USE');
  });

  it('unfinished jobs and enabled schedules are both named', async () => {
    const { org, auth, schedule, del } = await orgWithType('busy');
    const id = await schedule(true);
    await t.http().post('/services/agent-jobs').set(auth)
      .send({ target_channel: { org_id: org, platform: 'slack', code: 'CUSAGE' }, job_type_id: 'busy', scheduled_at: new Date(Date.now() + 3600_000).toISOString() })
      .expect(201);
    const res = await del();
    expectProblem(res, 409, 'JOB_TYPE_IN_USE');
    expect(res.body.detail).toMatch(/jobs that are not finished/);
    expect(res.body.detail).toContain(id);
  });
});
