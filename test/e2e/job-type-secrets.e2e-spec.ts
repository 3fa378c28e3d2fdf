import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { WorkerModule } from '../../apps/worker/worker.module';
import { AgentRequest, AgentServer, createHttpJobType, startAgentServer } from '../support/agent-server';
import { jobsApi } from '../support/jobs';
import { expectProblem } from '../support/problem';
import { bearer, startTestApp, TestApp } from '../support/test-app';

/** What an agent holding `secret` concludes about a request it received. */
function verifiesWith(rec: AgentRequest, secret: string): boolean {
  try {
    new Webhook(secret).verify(rec.rawBody, {
      'webhook-id': String(rec.headers['webhook-id']),
      'webhook-timestamp': String(rec.headers['webhook-timestamp']),
      'webhook-signature': String(rec.headers['webhook-signature']),
    });
    return true;
  } catch {
    return false;
  }
}
const signatureCount = (rec: AgentRequest) => String(rec.headers['webhook-signature']).split(' ').length;

/**
 * Job types' signing secrets: sealed at rest, rotated with a 24 h overlap in which agents get
 * both signatures. The API and the worker are separate app instances with their own caches.
 */
describe('job type signing secrets', () => {
  let t: TestApp;
  let worker: INestApplicationContext;
  let agent: AgentServer;
  const { orgWithToken, createJob, waitForStatus } = jobsApi(() => t, { orgLabel: 'secrets', channelCode: 'CSECRET' });

  beforeAll(async () => {
    [t, agent] = await Promise.all([startTestApp({ withWorker: false }), startAgentServer()]);
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(t.env), { logger: ['error'] });
  });
  afterAll(async () => {
    await worker?.close();
    await agent?.close();
    await t?.close();
  });

  /** Runs one job of the type to its end; the agent's record of the call. */
  async function runJob(auth: Record<string, string>, org: string, jobTypeId: string): Promise<{ job: { job_status: string; error: unknown }; call: AgentRequest }> {
    const created = await createJob(auth, org, jobTypeId, { params: { n: randomBytes(3).toString('hex') } });
    const job = await waitForStatus(auth, created.job_id, ['COMPLETED', 'FAILED']);
    const calls = agent.forJob(created.job_id);
    expect(calls).toHaveLength(1);
    return { job, call: calls[0] };
  }
  const storedSecrets = async (org: string, id: string) =>
    (await t.db.query(`SELECT signing_secret, signing_secret_previous FROM job_types WHERE org_id = $1 AND id = $2`, [org, id])).rows[0];
  const rotate = (auth: Record<string, string>, id: string) => t.http().post(`/services/job-types/${id}/signing-secret/rotate`).set(auth);

  it('is sealed at rest and signs agent calls with the secret shown at creation', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'sealed', behaviour: 'complete' });
    const stored = await storedSecrets(org, 'sealed');
    expect(stored.signing_secret).toMatch(/^v1\./);
    expect(stored.signing_secret).not.toContain(jt.signing_secret.slice('whsec_'.length));
    const { job, call } = await runJob(auth, org, 'sealed');
    expect(job.job_status).toBe('COMPLETED');
    expect(call.verified).toBe(true);
    expect(signatureCount(call)).toBe(1);
  });

  it('rotation: the new secret is shown once, and for 24 h an agent holding either secret verifies the calls', async () => {
    const { org, auth } = await orgWithToken();
    const jt = await createHttpJobType(t, agent, auth, { id: 'rotating', behaviour: 'complete', default_config: { max_task_retries: 0 } });
    const old = jt.signing_secret;
    expect((await runJob(auth, org, 'rotating')).call.verified).toBe(true); // the worker has the type cached now

    const before = Date.now();
    const res = await rotate(auth, 'rotating');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: { signing_secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{40,}={0,2}$/), previous_expires_at: expect.any(String) },
      meta: { org_id: org, id: 'rotating' },
    });
    const fresh: string = res.body.data.signing_secret;
    expect(fresh).not.toBe(old);
    const expires = Date.parse(res.body.data.previous_expires_at);
    expect(expires).toBeGreaterThanOrEqual(before + 24 * 3600_000 - 5000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 24 * 3600_000 + 5000);
    const stored = await storedSecrets(org, 'rotating');
    expect([stored.signing_secret, stored.signing_secret_previous]).toEqual([expect.stringMatching(/^v1\./), expect.stringMatching(/^v1\./)]);
    const view = await t.http().get('/services/job-types/rotating').set(auth);
    expect(view.text).not.toContain(fresh);
    expect(view.body.data).not.toHaveProperty('signing_secret');

    // The very next call (the worker is another app instance) carries both signatures.
    const overlap = await runJob(auth, org, 'rotating');
    expect(signatureCount(overlap.call)).toBe(2);
    expect(verifiesWith(overlap.call, old)).toBe(true);
    expect(verifiesWith(overlap.call, fresh)).toBe(true);
    expect(overlap.call.verified).toBe(true); // the agent still holds the old secret
    expect(overlap.job.job_status).toBe('COMPLETED');
    agent.registerSecret(jt.path, fresh); // the agent switches over
    const switched = await runJob(auth, org, 'rotating');
    expect(switched.call.verified).toBe(true);
    expect(switched.job.job_status).toBe('COMPLETED');

    // 24 h later (moved back in the table; a PATCH makes every process read the type again).
    await t.db.query(`UPDATE job_types SET signing_secret_previous_expires_at = now() - interval '1 second' WHERE org_id = $1 AND id = 'rotating'`, [org]);
    expect((await t.http().patch('/services/job-types/rotating').set(auth).send({ name: 'Rotating' })).status).toBe(200);
    const after = await runJob(auth, org, 'rotating');
    expect(signatureCount(after.call)).toBe(1);
    expect(verifiesWith(after.call, old)).toBe(false);
    expect(verifiesWith(after.call, fresh)).toBe(true);

    // A second rotation: the secret it replaces overlaps; the one before is gone at once.
    const again = (await rotate(auth, 'rotating')).body.data.signing_secret as string;
    const second = await runJob(auth, org, 'rotating');
    expect([verifiesWith(second.call, again), verifiesWith(second.call, fresh), verifiesWith(second.call, old)]).toEqual([true, true, false]);
  });

  it('the rotation route: WRITE, the caller\'s org only, 404 for an unknown job type', async () => {
    const a = await orgWithToken();
    const b = await orgWithToken();
    await createHttpJobType(t, agent, a.auth, { id: 'guarded', behaviour: 'complete' });
    const before = await storedSecrets(a.org, 'guarded');
    expectProblem(await rotate(b.auth, 'guarded'), 404, 'JOB_TYPE_NOT_FOUND');
    expectProblem(await rotate(a.auth, 'never-created'), 404, 'JOB_TYPE_NOT_FOUND');
    expectProblem(await rotate(bearer(await t.token(a.org, { SERVICES: 'READ' })), 'guarded'), 403, 'INSUFFICIENT_ACCESS');
    expectProblem(await t.http().post('/services/job-types/guarded/signing-secret/rotate'), 401, 'UNAUTHORIZED');
    expect(await storedSecrets(a.org, 'guarded')).toEqual(before);
  });

  it('secrets stored in plain text before sealing still sign, and the next start seals them', async () => {
    const { org, auth } = await orgWithToken();
    const current = `whsec_${randomBytes(32).toString('base64')}`;
    const previous = `whsec_${randomBytes(32).toString('base64')}`;
    const ep = agent.endpoint('complete');
    agent.registerSecret(ep.path, current);
    await t.db.query(
      `INSERT INTO job_types (org_id, id, name, executor, default_config, signing_secret, signing_secret_previous, signing_secret_previous_expires_at)
       VALUES ($1, 'legacy', 'Legacy', $2, '{}', $3, $4, now() + interval '1 hour')`,
      [org, JSON.stringify({ type: 'http', url: ep.url, timeout_seconds: 30 }), current, previous],
    );
    const plain = await runJob(auth, org, 'legacy');
    expect(plain.call.verified).toBe(true);
    expect(verifiesWith(plain.call, previous)).toBe(true);

    // The next start of any process (here: the worker) seals them before it serves.
    await worker.close();
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(t.env), { logger: ['error'] });
    const stored = await storedSecrets(org, 'legacy');
    expect([stored.signing_secret, stored.signing_secret_previous]).toEqual([expect.stringMatching(/^v1\./), expect.stringMatching(/^v1\./)]);
    expect(JSON.stringify(stored)).not.toContain(current.slice('whsec_'.length));

    const sealed = await runJob(auth, org, 'legacy');
    expect(sealed.call.verified).toBe(true);
    expect(verifiesWith(sealed.call, previous)).toBe(true);
  });

  it('a worker whose ENCRYPTION_KEY does not open the secret fails the task with SIGNING_SECRET_UNREADABLE', async () => {
    const { org, auth } = await orgWithToken();
    await createHttpJobType(t, agent, auth, { id: 'other-key', behaviour: 'complete', default_config: { max_task_retries: 0 } });
    await worker.close();
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot({ ...t.env, ENCRYPTION_KEY: 'b2'.repeat(32) }), { logger: ['error'] });
    const created = await createJob(auth, org, 'other-key');
    const job = await waitForStatus(auth, created.job_id, ['COMPLETED', 'FAILED']);
    expect(job).toMatchObject({ job_status: 'FAILED', error: { code: 'SIGNING_SECRET_UNREADABLE' } });
    expect(agent.forJob(created.job_id)).toEqual([]);
  });
});
