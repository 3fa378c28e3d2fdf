import type { Scopes } from '../../libs/auth/src';
import { bearer, eventually, newOrg, TestApp, tokenId } from './test-app';

type Auth = Record<string, string>;

/** The echo builtin as a job type of the caller's org (expects 201). */
export async function createEchoJobType(t: TestApp, auth: Auth, id = 'echo'): Promise<void> {
  const res = await t.http().post('/services/job-types').set(auth).send({ id, name: 'Echo', executor: { type: 'builtin', name: 'echo' } });
  expect(res.status).toBe(201);
}

/** A fresh org named `label-…` and a token for it (WRITE unless said). */
export async function orgWithToken(t: TestApp, label: string, scopes: Scopes = { SERVICES: 'WRITE' }) {
  const org = newOrg(label);
  const token = await t.token(org, scopes);
  return { org, token, tokenId: tokenId(token), auth: bearer(token) };
}

/** orgWithToken, and the echo builtin as its job type 'echo': the setup most API tests start from. */
export async function echoTenant(t: TestApp, label: string, scopes: Scopes = { SERVICES: 'WRITE' }) {
  const tenant = await orgWithToken(t, label, scopes);
  await createEchoJobType(t, tenant.auth);
  return tenant;
}

export interface CreatedJob {
  job_id: string;
  job_status: string;
  scheduled_at: string;
  tasks: Array<{ task_id: string }>;
}

export interface JobTransition {
  from: string | null;
  to: string;
  actor: string;
  reason: string | null;
  task_id: string | null;
}

/** An event as GET /services/agent-jobs/:id/events (and every live stream message) has it. */
export interface JobEvent {
  id: number;
  job_id: string;
  kind: 'transition' | 'delivery';
  from: string | null;
  to: string;
  at: string;
  actor: string;
  reason: string | null;
  task_id: string | null;
}

/**
 * The jobs API as the worker-side e2e tests drive it. `app` is read at each call (the test app
 * is started in beforeAll); new orgs are named `orgLabel-…` and jobs target Slack channel `channelCode`.
 */
export function jobsApi(app: () => TestApp, opts: { orgLabel: string; channelCode: string }) {
  /** A fresh org and a WRITE token for it. */
  const newTenant = () => orgWithToken(app(), opts.orgLabel);

  /** Creates a job (expects 201) and returns its representation. */
  async function createJob(auth: Auth, org: string, jobTypeId: string, extra: Record<string, unknown> = {}): Promise<CreatedJob> {
    const res = await app().http().post('/services/agent-jobs').set(auth).send({
      target_channel: { org_id: org, platform: 'slack', code: opts.channelCode }, job_type_id: jobTypeId, ...extra,
    });
    expect(res.status).toBe(201);
    return res.body.data;
  }

  async function getJob(auth: Auth, id: string) {
    const res = await app().http().get(`/services/agent-jobs/${id}`).set(auth);
    expect(res.status).toBe(200);
    return res.body.data;
  }

  /** The job once its status is one of `statuses`. */
  const waitForStatus = (auth: Auth, id: string, statuses: string[], timeoutMs = 10_000) =>
    eventually(async () => {
      const job = await getJob(auth, id);
      return statuses.includes(job.job_status) && job;
    }, timeoutMs);

  /** The job's status transitions (the history also carries delivery notes, where from === to). */
  async function transitions(auth: Auth, id: string): Promise<JobTransition[]> {
    const res = await app().http().get(`/services/agent-jobs/${id}/events`).set(auth);
    expect(res.status).toBe(200);
    return (res.body.data as JobTransition[]).filter((e) => e.from !== e.to);
  }

  return { orgWithToken: newTenant, createJob, getJob, waitForStatus, transitions };
}
