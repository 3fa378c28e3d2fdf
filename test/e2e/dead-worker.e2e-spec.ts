import { AgentServer, createHttpJobType, startAgentServer } from '../support/agent-server';
import { CreatedJob, jobsApi } from '../support/jobs';
import { Child, startWorkerProcess } from '../support/processes';
import { eventually, startTestApp, TestApp } from '../support/test-app';

const JOBS = 150;
const CREATE_OVER_MS = 3000;
const AGENT_MS = 250;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/**
 * A worker killed with SIGKILL mid-task, as an operator's process dies: two real worker
 * processes (`node dist/apps/worker/main.js`) share the jobs; one is killed while it has
 * agent calls in flight. Its tasks must run again on the other, and no task of the live
 * worker may run twice. Prints how long after the kill the dead worker's tasks started again.
 */
describe('a worker killed mid-task', () => {
  let t: TestApp;
  let agent: AgentServer;
  const workers: Child[] = [];

  beforeAll(async () => {
    // The liveness defaults (1 s heartbeat, dead after 5 s, 1 s reconciler passes), as deployed.
    [t, agent] = await Promise.all([
      startTestApp({ withWorker: false, env: { RECONCILE_INTERVAL_MS: '1000', WORKER_CONCURRENCY: '10' } }),
      startAgentServer(),
    ]);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill()));
  });
  afterAll(async () => {
    await agent?.close();
    await t?.close();
  });

  const { orgWithToken, createJob, getJob } = jobsApi(() => t, { orgLabel: 'dead', channelCode: 'CDEAD' });

  /** The worker's id once its first heartbeat is in; its stderr if it died trying. */
  const workerId = async (w: Child) =>
    eventually(async () => {
      if (w.proc.exitCode !== null) throw new Error(`worker exited with ${w.proc.exitCode}: ${w.stderr}`);
      return (await t.db.query(`SELECT id FROM workers WHERE pid = $1`, [w.pid])).rows[0]?.id as string | undefined;
    }, 30_000, 100);
  const running = async (id: string) =>
    (await t.db.query(`SELECT id, job_id FROM tasks WHERE worker_id = $1 AND status = 'RUNNING'`, [id])).rows as Array<{ id: string; job_id: string }>;

  it('hands its tasks to the other worker within seconds, and runs no live worker\'s task twice', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'slow', behaviour: 'late-complete', query: { after_ms: AGENT_MS } });
    const env = { ...t.env, PUBLIC_URL: t.url };
    workers.push(startWorkerProcess(env), startWorkerProcess(env));
    const [victim, survivor] = workers;
    const [victimId] = await Promise.all([workerId(victim), workerId(survivor)]);

    const jobs: CreatedJob[] = [];
    const creating = (async () => {
      const started = Date.now();
      for (let i = 0; i < JOBS; i++) {
        await new Promise((r) => setTimeout(r, Math.max(0, started + (i * CREATE_OVER_MS) / JOBS - Date.now())));
        jobs.push(await createJob(auth, org, jt.id, { params: { i } }));
      }
    })();
    // Mid-run, while it holds several tasks: SIGKILL, no chance to hand anything back.
    await eventually(async () => jobs.length > JOBS / 3 && (await running(victimId)).length >= 3, 30_000, 20);
    await victim.kill();
    const killedAt = Date.now();
    const orphaned = await running(victimId);
    expect(orphaned.length).toBeGreaterThanOrEqual(3);
    await creating;

    const done = await eventually(async () => {
      const all = await Promise.all(jobs.map((j) => getJob(auth, j.job_id)));
      return all.every((j) => j.job_status === 'COMPLETED') && all;
    }, 60_000, 250);
    expect(done).toHaveLength(JOBS);
    expect(done.every((j) => j.tasks.length === 1 && j.tasks[0].status === 'COMPLETED')).toBe(true);

    const orphanJobs = new Set(orphaned.map((o) => o.job_id));
    const recovery: number[] = [];
    for (const j of jobs) {
      const calls = agent.forJob(j.job_id);
      expect(calls.every((c) => c.verified && c.body!.task_id === j.tasks[0].task_id)).toBe(true);
      if (!orphanJobs.has(j.job_id)) {
        // A task of the live worker (or one the dead worker finished): its agent saw it once.
        expect(calls).toHaveLength(1);
        continue;
      }
      // At most the dead worker's call before the kill, then exactly one after it, by the survivor.
      const after = calls.filter((c) => c.receivedAt >= killedAt);
      expect(calls.length - after.length).toBeLessThanOrEqual(1);
      expect(after).toHaveLength(1);
      expect(after[0].answered?.status).toBe(200);
      recovery.push(after[0].receivedAt - killedAt);
    }
    const { rows } = await t.db.query(`SELECT claims FROM tasks WHERE id = ANY($1)`, [orphaned.map((o) => o.id)]);
    expect(rows.map((r) => r.claims)).toEqual(orphaned.map(() => 2));
    console.log(
      `dead worker: ${orphaned.length} tasks it held at the SIGKILL ran again on the other worker `
      + `${median(recovery)} ms after the kill at the median, ${Math.max(...recovery)} ms at worst `
      + `(heartbeat 1 s, dead after 5 s, reconciler every 1 s; ${JOBS} jobs of ${AGENT_MS} ms agent calls, all COMPLETED)`,
    );
  }, 120_000);

  // The job row stays locked, so the victim's claim waits on it: Bull holds the job as active on
  // the victim while Postgres still says PENDING. Released at once, the claim lands after the
  // victim died (the reconciler hands the task back); released once the claim has waited longer
  // than WORKER_DEAD_AFTER_MS, Postgres refuses it and only Bull's (shortened) stalled check can
  // give the job back.
  it.each([
    ['lands after its death', 0],
    ['is refused, having waited too long', 5000 + 300],
  ])('a task it took from the queue but had not claimed yet runs on another worker within seconds (its claim %s)', async (_, holdMs) => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: `unclaimed-${holdMs}`, behaviour: 'complete' });
    const env = { ...t.env, PUBLIC_URL: t.url };
    workers.push(startWorkerProcess(env));
    const [victim] = workers;
    await workerId(victim);
    const created = await createJob(auth, org, jt.id, { scheduled_at: new Date(Date.now() + 1500).toISOString() });
    const taskId = created.tasks[0].task_id;
    const lock = await t.db.connect();
    let killedAt = 0;
    try {
      await lock.query('BEGIN');
      await lock.query('SELECT 1 FROM jobs WHERE id = $1 FOR UPDATE', [created.job_id]);
      const claimWaiting = async (forMs: number) => (await t.db.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
           AND query LIKE '%FROM workers WHERE id%' AND clock_timestamp() - query_start >= $1 * interval '1 millisecond'`,
        [forMs],
      )).rowCount;
      await eventually(() => claimWaiting(0), 30_000, 20);
      expect(await t.redis.lrange(`${t.env.QUEUE_PREFIX}:agent-tasks:active`, 0, -1)).toContain(taskId);
      await victim.kill();
      killedAt = Date.now();
      await eventually(() => claimWaiting(holdMs), 30_000, 20);
    } finally {
      await lock.query('ROLLBACK');
      lock.release();
    }
    // The other worker starts only now, so it cannot have taken the job from Bull before the victim.
    workers.push(startWorkerProcess(env));
    await workerId(workers[1]);
    const upAt = Date.now();

    const job = await eventually(async () => {
      const j = await getJob(auth, created.job_id);
      return j.job_status === 'COMPLETED' && j;
    }, 30_000, 100);
    expect(job.tasks.map((x: { task_id: string; status: string }) => [x.task_id, x.status])).toEqual([[taskId, 'COMPLETED']]);
    const calls = agent.forJob(created.job_id);
    expect(calls).toHaveLength(1);
    const { rows: [task] } = await t.db.query(`SELECT claims FROM tasks WHERE id = $1`, [taskId]);
    // Its late claim counted one (then the reconciler handed it back); a refused one counted nothing.
    expect(task.claims).toBe(holdMs === 0 ? 2 : 1);
    console.log(`dead worker: a task it had taken from Bull but not claimed (its claim ${_}) ran on the other worker `
      + `${calls[0].receivedAt - killedAt} ms after the kill (that worker was up ${upAt - killedAt} ms after the kill)`);
  }, 60_000);
});
