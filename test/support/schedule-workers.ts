import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WorkerModule } from '../../apps/worker/worker.module';
import { ScheduleClock, ScheduleFiringService } from '../../libs/schedules/src';
import { ScheduleLoop } from '../../libs/schedules/src/schedule.loop';
import { bearer, eventually, newOrg, TestApp } from './test-app';

/**
 * Time for schedule firing, set by the test: every ScheduleClock in this test file (each worker
 * context's) answers `now`. Fires then happen when the test moves time, never on a real cron
 * boundary. Installed on the prototype before any worker starts, so no pass ever sees real time.
 */
export function fakeScheduleClock(start: Date | number) {
  let now = new Date(start).getTime();
  jest.spyOn(ScheduleClock.prototype, 'now').mockImplementation(() => new Date(now));
  return {
    now: () => new Date(now),
    set: (at: Date | number) => {
      now = new Date(at).getTime();
    },
  };
}

export interface ScheduleWorkers {
  contexts: INestApplicationContext[];
  /** One firing pass in every worker at once, awaited. */
  pass(): Promise<void>;
  /** Closes the workers; each finishes the pass in flight first, so after this nothing is firing. */
  close(): Promise<void>;
}

/**
 * Worker processes (contexts) on the test app's database and queue prefix. Their schedule loop
 * is stopped unless `loops`: the test drives every firing pass, so no pass ever reads the clock
 * while the test moves it (a pass that read an earlier "now" would see a fire as missed).
 */
export async function startScheduleWorkers(t: TestApp, count: number, opts: { loops?: boolean } = {}): Promise<ScheduleWorkers> {
  const contexts: INestApplicationContext[] = [];
  for (let i = 0; i < count; i++) {
    const ctx = await NestFactory.createApplicationContext(WorkerModule.forRoot(t.env), { logger: ['error'] });
    if (!opts.loops) await ctx.get(ScheduleLoop).onModuleDestroy();
    contexts.push(ctx);
  }
  return {
    contexts,
    pass: async () => {
      await Promise.all(contexts.map((c) => c.get(ScheduleFiringService).pass()));
    },
    close: async () => {
      await Promise.all(contexts.map((c) => c.close()));
    },
  };
}

/** A schedule's fires as stored, oldest first. */
export async function runsOf(t: TestApp, scheduleId: string): Promise<Array<{
  fire_at: Date; job_id: string | null; error: { code: string; message: string } | null; catch_up: boolean; retry_at: Date | null;
}>> {
  const { rows } = await t.db.query(`SELECT * FROM schedule_runs WHERE schedule_id = $1 ORDER BY fire_at`, [scheduleId]);
  return rows;
}

export interface ScheduledJob {
  id: string;
  status: string;
  scheduled_at: Date;
  started_at: Date | null;
  created_at: Date;
  created_by: string;
  job_type_id: string;
  metadata: { schedule_id: string; fire_at: string; catch_up: boolean } & Record<string, unknown>;
  result: Record<string, unknown> | null;
}

/** What the firing tests do, on one test app and its schedule workers (getters: both are set in beforeAll). */
export function scheduleKit(app: () => TestApp, workers: () => ScheduleWorkers) {
  /** A fresh org with a WRITE token and an `echo` job type; `create` posts a schedule (UTC, an echo job by default). */
  async function tenant() {
    const t = app();
    const org = newOrg('schf');
    const auth = bearer(await t.token(org, { SERVICES: 'WRITE' }));
    await t.http().post('/services/job-types').set(auth).send({ id: 'echo', name: 'Echo', executor: { type: 'builtin', name: 'echo' } }).expect(201);
    const echoJob = (extra: Record<string, unknown> = {}) => ({
      target_channel: { org_id: org, platform: 'slack', code: 'C0SCHED1' }, job_type_id: 'echo', params: { hello: 'schedule' }, ...extra,
    });
    const create = async (body: Record<string, unknown>) => {
      const res = await t.http().post('/services/schedules').set(auth).send({ timezone: 'UTC', job: echoJob(), ...body });
      expect(res.status).toBe(201);
      return res.body.data as { id: string; next_run_at: string | null };
    };
    const view = async (id: string) => (await t.http().get(`/services/schedules/${id}`).set(auth)).body.data;
    return { org, auth, echoJob, create, view };
  }

  /** The jobs a schedule created, by fire time. */
  async function jobsOf(scheduleId: string): Promise<ScheduledJob[]> {
    const { rows } = await app().db.query(
      `SELECT id, status, scheduled_at, started_at, created_at, created_by, job_type_id, metadata, result FROM jobs
       WHERE metadata->>'schedule_id' = $1 ORDER BY metadata->>'fire_at', created_at`,
      [scheduleId],
    );
    return rows;
  }

  return {
    tenant,
    jobsOf,
    /** Enables the schedule with its next fire at `at`. */
    dueAt: (id: string, at: number | Date) =>
      app().db.query(`UPDATE schedules SET enabled = true, next_run_at = $2 WHERE id = $1`, [id, new Date(at)]),
    /** Drives passes (every worker at once) until the fire of `at` has its job (or its error). */
    fired: (id: string, at: number | Date) => eventually(async () => {
      await workers().pass();
      const run = (await runsOf(app(), id)).find((r) => r.fire_at.getTime() === new Date(at).getTime());
      return run && (run.job_id !== null || run.error !== null) ? run : undefined;
    }),
    /** Waits until the schedule has `n` jobs, all COMPLETED. */
    completed: (id: string, n: number) => eventually(async () => {
      const jobs = await jobsOf(id);
      return jobs.length === n && jobs.every((j) => j.status === 'COMPLETED') && jobs;
    }, 10_000, 100),
  };
}
