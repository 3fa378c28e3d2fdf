import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WorkerModule } from '../../apps/worker/worker.module';
import { ScheduleClock, ScheduleFiringService } from '../../libs/schedules/src';
import { ScheduleLoop } from '../../libs/schedules/src/schedule.loop';
import type { TestApp } from './test-app';

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
