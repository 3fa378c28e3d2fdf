import { DataSource } from 'typeorm';
import { AppConfig } from '../../libs/common/src';
import { ReconcilerService, TaskTransitionsRepository, WorkerIdentity } from '../../libs/jobs/src';
import { EventsPing } from '../../libs/queue/src';
import { AgentServer, createHttpJobType, startAgentServer } from '../support/agent-server';
import { jobsApi } from '../support/jobs';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Fencing: every write a worker makes to a task after claiming it names its claim, so a worker
 * wrongly declared dead (paused, cut off from Postgres) can neither finish, park nor hand back
 * a task that another worker claimed since. Two workers' views of the state machine share the
 * app's database; no worker process runs, so each step happens exactly when the test says.
 */
describe('task fencing', () => {
  let t: TestApp;
  let agent: AgentServer;

  beforeAll(async () => {
    [t, agent] = await Promise.all([startTestApp({ withWorker: false }), startAgentServer()]);
  });
  afterAll(async () => {
    await agent?.close();
    await t?.close();
  });

  const { orgWithToken, createJob, getJob } = jobsApi(() => t, { orgLabel: 'fence', channelCode: 'CFENCE' });

  /** A worker as the state machine sees it: its identity, alive in `workers` (as its heartbeat keeps it). */
  async function worker(): Promise<{ id: string; tasks: TaskTransitionsRepository }> {
    const identity = new WorkerIdentity();
    await t.db.query(`INSERT INTO workers (id, host, pid) VALUES ($1, 'test', 0)`, [identity.id]);
    return { id: identity.id, tasks: new TaskTransitionsRepository(t.app.get(DataSource), identity, t.app.get(AppConfig), t.app.get(EventsPing)) };
  }
  const silence = (id: string) => t.db.query(`UPDATE workers SET heartbeat_at = now() - interval '1 minute' WHERE id = $1`, [id]);
  const taskRow = async (id: string) => (await t.db.query(`SELECT status, claims, worker_id, awaiting_callback FROM tasks WHERE id = $1`, [id])).rows[0];

  it('a worker declared dead cannot finish, park or hand back the task another worker re-claimed', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'fenced', behaviour: 'complete' });
    const created = await createJob(auth, org, jt.id);
    const jobId = created.job_id;
    const taskId = created.tasks[0].task_id;
    const [a, b] = await Promise.all([worker(), worker()]);

    const first = await a.tasks.claimTask(jobId, taskId);
    expect(first!.task).toMatchObject({ id: taskId, status: 'RUNNING', claims: 1, worker_id: a.id });
    // A stops beating (a long pause, a network cut): the reconciler hands its task back.
    await silence(a.id);
    expect((await t.app.get(ReconcilerService).pass()).recovered).toBe(1);
    expect(await taskRow(taskId)).toMatchObject({ status: 'PENDING', claims: 1, worker_id: null });
    // A worker not known alive takes nothing.
    expect(await a.tasks.claimTask(jobId, taskId)).toBeNull();

    const second = await b.tasks.claimTask(jobId, taskId);
    expect(second!.task).toMatchObject({ status: 'RUNNING', claims: 2, worker_id: b.id });

    // A comes back with its agent's answer, under its old claim: every write is refused.
    const stale = await a.tasks.finishTask({
      jobId, taskId, claim: 1, actor: 'worker', taskStatus: 'COMPLETED', taskResult: { from: 'a' }, jobStatus: 'COMPLETED', jobResult: { from: 'a' },
    });
    expect(stale).toEqual({ applied: false, posted: false });
    await a.tasks.markAwaitingCallback(taskId, 1);
    expect(await a.tasks.releaseTask(taskId, 1)).toBeNull();
    expect(await taskRow(taskId)).toMatchObject({ status: 'RUNNING', claims: 2, worker_id: b.id, awaiting_callback: false });
    expect((await getJob(auth, jobId)).job_status).toBe('RUNNING');

    const current = await b.tasks.finishTask({
      jobId, taskId, claim: 2, actor: 'worker', taskStatus: 'COMPLETED', taskResult: { from: 'b' }, jobStatus: 'COMPLETED', jobResult: { from: 'b' },
    });
    expect(current).toEqual({ applied: true, posted: true });
    const job = await getJob(auth, jobId);
    expect(job.job_status).toBe('COMPLETED');
    expect(job.result).toEqual({ from: 'b' });
    expect(job.tasks.map((x: { task_id: string; status: string; result: unknown }) => [x.task_id, x.status, x.result])).toEqual([[taskId, 'COMPLETED', { from: 'b' }]]);
  });
});
