import { fakeScheduleClock, runsOf, scheduleKit, startScheduleWorkers, ScheduleWorkers } from '../support/schedule-workers';
import { eventually, startTestApp, TestApp } from '../support/test-app';

/**
 * A fire survives its worker and its failures: a fire taken by a worker that died is taken over
 * once its lease ends (creating the job, or finding the one it had created), and an unexpected
 * failure is retried after a backoff, for the same fire time. The tests move the firing clock and
 * drive the passes (support/schedule-workers.ts); each has its own org.
 */
describe('schedule firing: recovery', () => {
  let t: TestApp;
  let workers: ScheduleWorkers;
  const clock = fakeScheduleClock(Date.UTC(2026, 0, 1));
  const { tenant, jobsOf, dueAt, fired, completed } = scheduleKit(() => t, () => workers);

  beforeAll(async () => {
    t = await startTestApp({ withWorker: false, env: { SCHEDULE_POLL_MS: '250' } });
    workers = await startScheduleWorkers(t, 2);
  });
  afterAll(async () => {
    await workers?.close();
    await t?.close();
  });

  it('an unexpected failure creating the job is retried after a backoff, for the same fire time: one job', async () => {
    const { create } = await tenant();
    const s = await create({ cron: '0 0 1 1 *' });
    // The database refuses this schedule's job (a trigger in this file's own database): not a 4xx, so the fire is retried.
    await t.db.query(`CREATE FUNCTION refuse_${s.id}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$`);
    await t.db.query(`CREATE TRIGGER refuse_${s.id} BEFORE INSERT ON jobs FOR EACH ROW WHEN (NEW.metadata->>'schedule_id' = '${s.id}') EXECUTE FUNCTION refuse_${s.id}()`);
    const fireAt = Date.UTC(2026, 5, 8, 9, 0, 0);
    clock.set(fireAt);
    await dueAt(s.id, fireAt);
    // Failed once: the run stays pending, due again after the first backoff step (2 x SCHEDULE_POLL_MS, at least 1 s).
    const [pending] = await eventually(async () => {
      await workers.pass();
      const runs = await runsOf(t, s.id);
      return runs.length === 1 && runs[0].retry_at?.getTime() === fireAt + 1000 && runs;
    });
    expect(pending).toMatchObject({ job_id: null, error: null });
    await workers.pass(); // not before its retry time
    expect((await runsOf(t, s.id))[0].job_id).toBeNull();
    await t.db.query(`DROP TRIGGER refuse_${s.id} ON jobs; DROP FUNCTION refuse_${s.id}()`);
    clock.set(fireAt + 1000);
    const run = await fired(s.id, fireAt);
    const [job] = await completed(s.id, 1);
    expect(run).toMatchObject({ job_id: job.id, error: null, retry_at: null });
    expect(job.metadata.fire_at).toBe(new Date(fireAt).toISOString());
  });

  /** What a worker that died after taking a fire leaves: the run pending until the lease ends, the schedule advanced. */
  async function takenByADeadWorker(scheduleId: string, fireAt: number, leaseMs: number) {
    await t.db.query(`INSERT INTO schedule_runs (schedule_id, fire_at, catch_up, retry_at) VALUES ($1, $2, false, $3)`,
      [scheduleId, new Date(fireAt), new Date(fireAt + leaseMs)]);
    await t.db.query(`UPDATE schedules SET last_run_at = $2 WHERE id = $1`, [scheduleId, new Date(fireAt)]);
  }

  it('a fire whose worker died before creating the job is taken over once its lease ends: one job', async () => {
    const { create, view } = await tenant();
    const s = await create({ cron: '0 0 1 1 *' });
    const fireAt = Date.UTC(2026, 5, 5, 9, 0, 0);
    await takenByADeadWorker(s.id, fireAt, 60_000);
    // Within the lease, nobody takes it over.
    clock.set(fireAt + 30_000);
    await workers.pass();
    expect((await runsOf(t, s.id)).map((r) => r.job_id)).toEqual([null]);
    clock.set(fireAt + 60_000);
    const run = await fired(s.id, fireAt);
    const [job] = await completed(s.id, 1);
    expect(run).toMatchObject({ job_id: job.id, error: null, retry_at: null });
    expect(job.metadata).toEqual({ schedule_id: s.id, fire_at: new Date(fireAt).toISOString(), catch_up: false });
    expect((await view(s.id)).last_job_id).toBe(job.id);
  });

  it('a fire taken over after its schedule was paused creates no job; its run says SCHEDULE_PAUSED', async () => {
    const { auth, create } = await tenant();
    const s = await create({ cron: '0 0 1 1 *' });
    const fireAt = Date.UTC(2026, 5, 5, 10, 0, 0);
    await takenByADeadWorker(s.id, fireAt, 60_000);
    await t.http().patch(`/services/schedules/${s.id}`).set(auth).send({ enabled: false }).expect(200);
    clock.set(fireAt + 60_000);
    const run = await fired(s.id, fireAt);
    expect(run).toMatchObject({ job_id: null, retry_at: null, error: { code: 'SCHEDULE_PAUSED' } });
    expect(await jobsOf(s.id)).toEqual([]);
  });

  it('a fire whose worker died after creating the job finds that job instead of creating another', async () => {
    const { auth, echoJob, create, view } = await tenant();
    const s = await create({ cron: '0 0 1 1 *' });
    const fireAt = Date.UTC(2026, 5, 6, 9, 0, 0);
    const iso = new Date(fireAt).toISOString();
    await takenByADeadWorker(s.id, fireAt, 60_000);
    // Its job, created under the fire's idempotency key, but not recorded on the run.
    const crashed = await t.http().post('/services/agent-jobs').set(auth).set('Idempotency-Key', `schedule:${s.id}:${iso}`)
      .send({ ...echoJob(), scheduled_at: iso, metadata: { schedule_id: s.id, fire_at: iso, catch_up: false } });
    expect(crashed.status).toBe(201);
    clock.set(fireAt + 60_000);
    const run = await fired(s.id, fireAt);
    expect(run).toMatchObject({ job_id: crashed.body.data.job_id, error: null, retry_at: null });
    expect((await jobsOf(s.id)).map((j) => j.id)).toEqual([crashed.body.data.job_id]);
    expect((await view(s.id)).last_job_id).toBe(crashed.body.data.job_id);
  });
});
