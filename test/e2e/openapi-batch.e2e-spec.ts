import type { Response } from 'supertest';
import { echoTenant } from '../support/jobs';
import { DocumentedAnswers, servedDocument } from '../support/openapi';
import { startTestApp, TestApp } from '../support/test-app';

/** The batch create's real answers fit its documented responses, closed (as openapi-responses checks the others). */
describe('batch create answers fit the API document', () => {
  let t: TestApp;
  let answers: DocumentedAnswers;
  let tenant: Awaited<ReturnType<typeof echoTenant>>;
  const TEMPLATE = '/services/agent-jobs/batch';

  beforeAll(async () => {
    t = await startTestApp({ withWorker: false });
    answers = new DocumentedAnswers(await servedDocument(t));
    tenant = await echoTenant(t, 'oas-batch');
  });
  afterAll(async () => {
    await t?.close();
  });

  async function documented(jobs: unknown, status: number, opts: { headers?: Record<string, string>; query?: string } = {}) {
    const res: Response = await t.http().post(`${TEMPLATE}${opts.query ?? ''}`).set(tenant.auth).set(opts.headers ?? {}).send({ jobs });
    expect({ status: res.status, body: res.status === status ? undefined : res.body }).toEqual({ status, body: undefined });
    answers.expect(res, 'post', TEMPLATE);
    return res;
  }

  it('documents the per-item answer, the replay and the problems', async () => {
    const channel = { org_id: tenant.org, platform: 'slack', type: 'channel', code: 'C0OASBATCH' };
    const jobs = [
      { target_channel: channel, job_type_id: 'echo', params: { a: 1 }, metadata: { m: true } },
      { target_channel: channel, job_type_id: 'echo', unknown_field: 1 },
      { target_channel: channel, job_type_id: 'nope' },
      { target_channel: { ...channel, org_id: 'someone-else' }, job_type_id: 'echo' },
    ];
    const headers = { 'Idempotency-Key': `oas-batch-${tenant.org}` };
    const first = await documented(jobs, 200, { headers, query: '?delay=1' });
    expect(first.body.data.map((d: { status: number }) => d.status)).toEqual([201, 400, 404, 403]);
    await documented(jobs, 200, { headers, query: '?delay=1' });
    await documented(jobs, 422, { headers });
    await documented([], 400);
    await documented(jobs, 400, { headers: { 'Idempotency-Key': 'x'.repeat(256) } });
  });
});
