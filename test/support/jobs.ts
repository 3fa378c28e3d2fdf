import { bearer, eventually, newOrg, TestApp, tokenId } from './test-app';

type Auth = Record<string, string>;

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
  async function orgWithToken() {
    const org = newOrg(opts.orgLabel);
    const token = await app().token(org, { SERVICES: 'WRITE' });
    return { org, token, tokenId: tokenId(token), auth: bearer(token) };
  }

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

  return { orgWithToken, createJob, getJob, waitForStatus, transitions };
}
