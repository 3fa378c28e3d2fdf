import { Client } from 'pg';
import { fakeScheduleClock, runsOf, scheduleKit, startScheduleWorkers, ScheduleWorkers } from '../support/schedule-workers';
import { eventually, startTestApp, TestApp } from '../support/test-app';

/**
 * A schedule's fire creates its job outside the schedule's row lock, and a DELETE or a pause
 * racing a fire never leaves a job created after it answered: the job is stored in one
 * transaction with its run, which updates the schedule row and refuses when it is gone or paused.
 */
describe('schedules: fires racing DELETE and pause', () => {
  let t: TestApp;
  let workers: ScheduleWorkers | undefined;
  const clock = fakeScheduleClock(Date.UTC(2026, 5, 1, 12, 0, 0));

  beforeAll(async () => {
    t = await startTestApp({ withWorker: false, env: { SCHEDULE_POLL_MS: '100' } });
  });
  afterEach(async () => {
    await workers?.close();
    workers = undefined;
  });
  afterAll(async () => {
    await t?.close();
  });

  const kit = scheduleKit(() => t, () => workers!);
  const { jobsOf, dueAt } = kit;
  /** A fresh org; `schedule` creates an echo schedule whose jobs go to the Slack channel `code`. */
  async function tenant() {
    const { org, auth, echoJob, create } = await kit.tenant();
    const schedule = async (code: string, cron = '0 0 1 1 *') =>
      (await create({ cron, job: echoJob({ target_channel: { org_id: org, platform: 'slack', code } }) })).id;
    return { org, auth, schedule };
  }

  /**
   * Holds the row lock of the org's channel `code` (FOR UPDATE in an open transaction): a
   * worker preparing that channel for a job waits there, in the middle of creating the job,
   * after the fire was taken and before the job is stored, like a slow webhook URL check.
   */
  async function holdChannel(org: string, code: string) {
    const c = new Client({ connectionString: t.env.DATABASE_URL });
    await c.connect();
    await c.query('BEGIN');
    const { rows } = await c.query(`SELECT pg_backend_pid() AS pid FROM channels WHERE org_id = $1 AND code = $2 FOR UPDATE`, [org, code]);
    expect(rows).toHaveLength(1);
    const pid = rows[0].pid as number;
    return {
      /** Resolves once a backend (the firing worker) waits for this lock. */
      waitedOn: () => eventually(async () => {
        const { rows: waiting } = await t.db.query(`SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, [pid]);
        return waiting.length > 0;
      }),
      release: async () => {
        await c.query('ROLLBACK');
        await c.end();
      },
    };
  }

  /** The channel row exists once a job has been created for it (the API upserts it). */
  async function createChannel(auth: Record<string, string>, org: string, code: string) {
    await t.http().post('/services/agent-jobs').set(auth).send({
      target_channel: { org_id: org, platform: 'slack', code }, job_type_id: 'echo', scheduled_at: new Date(Date.now() + 3600_000).toISOString(),
    }).expect(201);
  }

  it('a DELETE during a slow fire answers at once, and that fire then creates no job', async () => {
    const { org, auth, schedule } = await tenant();
    await createChannel(auth, org, 'C0SLOW01');
    const slow = await schedule('C0SLOW01');
    // Fired after the slow one, by the same (single) worker: its job proves the slow fire has finished.
    const marker = await schedule('C0MARK01');
    await dueAt(slow, clock.now());
    await dueAt(marker, new Date(clock.now().getTime() + 1));
    const lock = await holdChannel(org, 'C0SLOW01');
    workers = await startScheduleWorkers(t, 1, { loops: true });
    try {
      await lock.waitedOn();
      // The fire is taken (committed) and its job under way: nothing holds the schedule's row.
      expect((await runsOf(t, slow)).map((r) => [r.job_id, r.error])).toEqual([[null, null]]);
      const del = await t.http().delete(`/services/schedules/${slow}`).set(auth).timeout(5000);
      expect(del.status).toBe(200);
    } finally {
      await lock.release();
    }
    const [markerRun] = await eventually(async () => {
      const runs = await runsOf(t, marker);
      return runs.length === 1 && runs[0].job_id !== null && runs;
    });
    expect(markerRun.error).toBeNull();
    expect(await jobsOf(slow)).toEqual([]);
    expect(await runsOf(t, slow)).toEqual([]);
  });

  it('a pause during a slow fire answers at once; the fire creates no job and its run says SCHEDULE_PAUSED', async () => {
    const { org, auth, schedule } = await tenant();
    await createChannel(auth, org, 'C0SLOW02');
    const slow = await schedule('C0SLOW02');
    await dueAt(slow, clock.now());
    const lock = await holdChannel(org, 'C0SLOW02');
    workers = await startScheduleWorkers(t, 1, { loops: true });
    try {
      await lock.waitedOn();
      const paused = await t.http().patch(`/services/schedules/${slow}`).set(auth).send({ enabled: false }).timeout(5000);
      expect(paused.status).toBe(200);
      expect(paused.body.data).toMatchObject({ enabled: false, next_run_at: null });
    } finally {
      await lock.release();
    }
    const [run] = await eventually(async () => {
      const runs = await runsOf(t, slow);
      return runs.length === 1 && runs[0].error !== null && runs;
    });
    expect(run).toMatchObject({ job_id: null, retry_at: null, error: { code: 'SCHEDULE_PAUSED', message: expect.any(String) } });
    expect(await jobsOf(slow)).toEqual([]);
    expect((await t.http().get(`/services/schedules/${slow}`).set(auth)).body.data.last_job_id).toBeNull();
  });

  it('many fires and concurrent DELETEs: no job created after its DELETE answered, no fire lost for the schedule kept', async () => {
    const { auth, schedule } = await tenant();
    const kept = await schedule('C0KEPT01', '* * * * * *');
    const doomed = await Promise.all(Array.from({ length: 8 }, (_, i) => schedule(`C0GONE0${i}`, '* * * * * *')));
    const t0 = Math.floor(clock.now().getTime() / 1000) * 1000;
    for (const id of [kept, ...doomed]) await dueAt(id, new Date(t0));
    workers = await startScheduleWorkers(t, 2);

    // When each DELETE answered, and how many jobs its schedule had then: all it may ever have.
    // (The workers' loops are stopped: every pass is one of the test's, awaited below.)
    const deletedAt = new Map<string, number>();
    const jobsAtDelete = new Map<string, number>();
    const steps = 12;
    for (let k = 0; k < steps; k++) {
      clock.set(t0 + k * 1000);
      // Both workers fire this second's times while one schedule is deleted.
      const victim = doomed[k - 2];
      const del = victim && t.http().delete(`/services/schedules/${victim}`).set(auth).then(async (r) => {
        expect(r.status).toBe(200);
        deletedAt.set(victim, Date.now());
        jobsAtDelete.set(victim, (await jobsOf(victim)).length);
      });
      await Promise.all([workers.pass(), del]);
      expect((await runsOf(t, kept)).find((r) => r.fire_at.getTime() === t0 + k * 1000)?.job_id).toEqual(expect.any(String));
    }

    for (const id of doomed) {
      const jobs = await jobsOf(id);
      expect(jobs.length).toBe(jobsAtDelete.get(id));
      for (const j of jobs) expect(j.created_at.getTime()).toBeLessThanOrEqual(deletedAt.get(id)!);
      expect(await runsOf(t, id)).toEqual([]);
    }
    // The kept schedule: every second fired exactly once, each with its job.
    const runs = await runsOf(t, kept);
    expect(runs.map((r) => r.fire_at.getTime())).toEqual(Array.from({ length: steps }, (_, k) => t0 + k * 1000));
    expect(runs.every((r) => r.job_id && r.error === null && r.retry_at === null)).toBe(true);
    expect(new Set((await jobsOf(kept)).map((j) => j.id))).toEqual(new Set(runs.map((r) => r.job_id)));
  });
});
