import type { Response } from 'supertest';
import { expectProblem } from '../support/problem';
import { bearer, eventually, inAnHour, newOrg, startTestApp, TestApp, tokenId } from '../support/test-app';

/** Values only org A's records hold: none of them may appear in an answer to org B. */
const A_SECRET_PARAM = 'a-private-param-7f3c';
const A_CHANNEL = 'C0ORGAONLY';
const A_METADATA = 'a-private-metadata-91d2';

describe('tenant isolation', () => {
  let t: TestApp;
  let orgA: string;
  let orgB: string;
  let aWrite: string;
  let aAdmin: string;
  let bWrite: string;
  let bAdmin: string;
  let aDoneJob: { job_id: string; tasks: Array<{ task_id: string }> };
  let aScheduledJob: { job_id: string; tasks: Array<{ task_id: string }> };
  let aIssuedTokenId: string;

  /** The body must hold nothing of org A: no job fields, no org id, none of A's values. */
  function expectNoOrgAData(res: Response): void {
    const text = JSON.stringify(res.body);
    expect(res.body).not.toHaveProperty('data');
    for (const field of ['job_status', 'params', 'result', 'target_channel', 'metadata', 'tasks', 'config', 'org_id']) {
      expect(text).not.toContain(`"${field}"`);
    }
    for (const value of [orgA, A_SECRET_PARAM, A_CHANNEL, A_METADATA]) expect(text).not.toContain(value);
  }

  const aJobBody = (extra: Record<string, unknown> = {}) => ({
    target_channel: { org_id: orgA, platform: 'slack', code: A_CHANNEL },
    job_type_id: 'a-type',
    params: { secret: A_SECRET_PARAM },
    metadata: { note: A_METADATA },
    ...extra,
  });

  beforeAll(async () => {
    t = await startTestApp();
    orgA = newOrg('tenant-a');
    orgB = newOrg('tenant-b');
    [aWrite, aAdmin, bWrite, bAdmin] = await Promise.all([
      t.token(orgA, { SERVICES: 'WRITE' }),
      t.token(orgA, { SERVICES: 'ADMIN' }),
      t.token(orgB, { SERVICES: 'WRITE' }),
      t.token(orgB, { SERVICES: 'ADMIN' }),
    ]);
    for (const id of ['a-type', 'a-only-type']) {
      const jt = await t.http().post('/services/job-types').set(bearer(aWrite))
        .send({ id, name: `A ${id}`, description: 'org A type', executor: { type: 'builtin', name: 'echo' }, default_config: { max_follow_ups: 7 } });
      expect(jt.status).toBe(201);
    }
    const done = await t.http().post('/services/agent-jobs').set(bearer(aWrite)).set('Idempotency-Key', 'shared-key').send(aJobBody());
    expect(done.status).toBe(201);
    aDoneJob = done.body.data;
    await eventually(async () => {
      const r = await t.http().get(`/services/agent-jobs/${aDoneJob.job_id}`).set(bearer(aWrite));
      return r.body.data.job_status === 'COMPLETED';
    });
    const scheduled = await t.http().post('/services/agent-jobs').set(bearer(aWrite)).send(aJobBody({ scheduled_at: inAnHour() }));
    expect(scheduled.status).toBe(201);
    aScheduledJob = scheduled.body.data;
    const tok = await t.http().post('/services/tokens').set(bearer(aAdmin)).send({ name: 'a-issued', scopes: { SERVICES: 'READ' } });
    expect(tok.status).toBe(201);
    aIssuedTokenId = tok.body.data.id;
  });
  afterAll(async () => { await t?.close(); });

  const bTokens = () => [['WRITE', bWrite], ['ADMIN', bAdmin]] as const;

  describe("B's tokens against A's job routes", () => {
    it("GET /services/agent-jobs/:id of A's job is 403 without A's data", async () => {
      for (const [, token] of bTokens()) {
        for (const job of [aDoneJob, aScheduledJob]) {
          const res = await t.http().get(`/services/agent-jobs/${job.job_id}`).set(bearer(token));
          expectProblem(res, 403);
          expectNoOrgAData(res);
        }
      }
    });

    it("GET /services/agent-jobs/:id/events of A's job is 403 without A's data", async () => {
      for (const [, token] of bTokens()) {
        const res = await t.http().get(`/services/agent-jobs/${aDoneJob.job_id}/events`).set(bearer(token));
        expectProblem(res, 403);
        expectNoOrgAData(res);
        expect(JSON.stringify(res.body)).not.toContain('COMPLETED');
      }
    });

    it("DELETE of A's job is 403, leaves it untouched, and does not reveal its status", async () => {
      for (const [, token] of bTokens()) {
        const res = await t.http().delete(`/services/agent-jobs/${aScheduledJob.job_id}`).set(bearer(token)).send({ reason: 'B was here' });
        expectProblem(res, 403);
        expectNoOrgAData(res);
        // A terminal job of A: still 403, never 409 (which would tell B its status).
        const terminal = await t.http().delete(`/services/agent-jobs/${aDoneJob.job_id}`).set(bearer(token));
        expectProblem(terminal, 403);
        expectNoOrgAData(terminal);
      }
      const still = await t.http().get(`/services/agent-jobs/${aScheduledJob.job_id}`).set(bearer(aWrite));
      expect(still.body.data).toEqual(expect.objectContaining({ job_status: 'SCHEDULED', cancel_reason: null, canceled_by: null, canceled_at: null }));
      const events = await t.http().get(`/services/agent-jobs/${aScheduledJob.job_id}/events`).set(bearer(aWrite));
      expect(events.body.data.map((e: { to: string }) => e.to)).toEqual(['SCHEDULED']);
    });

    it("B's API token cannot report a result for A's task", async () => {
      const res = await t.http()
        .post(`/services/agent-jobs/${aScheduledJob.job_id}/tasks/${aScheduledJob.tasks[0].task_id}/result`)
        .set(bearer(bWrite)).send({ status: 'completed', result: { forged: true } });
      expectProblem(res, 401);
      expectNoOrgAData(res);
      const still = await t.http().get(`/services/agent-jobs/${aScheduledJob.job_id}`).set(bearer(aWrite));
      expect(still.body.data.job_status).toBe('SCHEDULED');
    });

    it("B cannot make its job a subjob of A's job", async () => {
      const jt = await t.http().post('/services/job-types').set(bearer(bWrite)).send({ id: 'b-type', name: 'B', executor: { type: 'builtin', name: 'echo' } });
      expect(jt.status).toBe(201);
      const res = await t.http().post('/services/agent-jobs').set(bearer(bWrite)).send({
        target_channel: { org_id: orgB, platform: 'slack', code: 'C0B' }, job_type_id: 'b-type', parent_job_id: aScheduledJob.job_id,
      });
      expectProblem(res, 403);
      expectNoOrgAData(res);
      const a = await t.http().get(`/services/agent-jobs/${aScheduledJob.job_id}`).set(bearer(aWrite));
      expect(a.body.data.subjobs).toEqual([]);
    });
  });

  describe('lists', () => {
    it("B's job list never includes A's jobs, and total counts only B's", async () => {
      const bType = await t.http().post('/services/job-types').set(bearer(bAdmin)).send({ id: 'b-list', name: 'B', executor: { type: 'builtin', name: 'echo' } });
      expect(bType.status).toBe(201);
      const bIds: string[] = [];
      for (let i = 0; i < 2; i++) {
        const r = await t.http().post('/services/agent-jobs').set(bearer(bWrite)).send({
          target_channel: { org_id: orgB, platform: 'slack', code: A_CHANNEL }, job_type_id: 'b-list', scheduled_at: inAnHour(),
        });
        expect(r.status).toBe(201);
        bIds.push(r.body.data.job_id);
      }
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM jobs WHERE org_id = $1`, [orgB]);
      for (const query of [
        '', '?status=SCHEDULED', '?status=COMPLETED,SCHEDULED,WAITING,RUNNING,FAILED,CANCELED', `?channel_code=${A_CHANNEL}`,
        '?job_type_id=a-type', '?limit=100', '?sort=scheduled_at:asc', '?created_at_gte=2000-01-01T00:00:00Z',
      ]) {
        const res = await t.http().get(`/services/agent-jobs${query}`).set(bearer(bWrite));
        expect(res.status).toBe(200);
        const ids: string[] = res.body.data.map((j: { job_id: string }) => j.job_id);
        expect(ids).not.toContain(aDoneJob.job_id);
        expect(ids).not.toContain(aScheduledJob.job_id);
        expect(res.body.data.every((j: { org_id: string }) => j.org_id === orgB)).toBe(true);
        expect(JSON.stringify(res.body)).not.toContain(A_SECRET_PARAM);
        expect(res.body.meta.org_id).toBe(orgB);
        expect(res.body.meta.total).toBeLessThanOrEqual(rows[0].n);
      }
      const all = await t.http().get('/services/agent-jobs').set(bearer(bWrite));
      expect(all.body.meta.total).toBe(rows[0].n);
      expect(all.body.data.map((j: { job_id: string }) => j.job_id)).toEqual(expect.arrayContaining(bIds));
      const byChannel = await t.http().get(`/services/agent-jobs?channel_code=${A_CHANNEL}`).set(bearer(bWrite));
      expect(byChannel.body.meta.total).toBe(2);
      const byAType = await t.http().get('/services/agent-jobs?job_type_id=a-type').set(bearer(bWrite));
      expect(byAType.body).toEqual(expect.objectContaining({ data: [], meta: expect.objectContaining({ total: 0, next_cursor: null }) }));

      // And A's list still has A's jobs (the filters do work).
      const aList = await t.http().get(`/services/agent-jobs?channel_code=${A_CHANNEL}`).set(bearer(aWrite));
      expect(aList.body.data.map((j: { job_id: string }) => j.job_id).sort()).toEqual([aDoneJob.job_id, aScheduledJob.job_id].sort());
      expect(aList.body.meta.total).toBe(2);
    });

    it("an Idempotency-Key of A means nothing to B", async () => {
      const bType = await t.http().post('/services/job-types').set(bearer(bWrite)).send({ id: 'b-idem', name: 'B', executor: { type: 'builtin', name: 'echo' } });
      expect(bType.status).toBe(201);
      const res = await t.http().post('/services/agent-jobs').set(bearer(bWrite)).set('Idempotency-Key', 'shared-key').send({
        target_channel: { org_id: orgB, platform: 'slack', code: 'C0B' }, job_type_id: 'b-idem', scheduled_at: inAnHour(),
      });
      expect(res.status).toBe(201);
      expect(res.body.data.job_id).not.toBe(aDoneJob.job_id);
      expect(res.body.data.org_id).toBe(orgB);
      expect(JSON.stringify(res.body)).not.toContain(A_SECRET_PARAM);
    });
  });

  describe('job types are names per org', () => {
    it("B cannot see A's job type", async () => {
      for (const [, token] of bTokens()) {
        const res = await t.http().get('/services/job-types/a-only-type').set(bearer(token));
        expectProblem(res, 404, 'JOB_TYPE_NOT_FOUND');
        expectNoOrgAData(res);
        const list = await t.http().get('/services/job-types').set(bearer(token));
        expect(list.status).toBe(200);
        expect(list.body.data.map((x: { id: string }) => x.id)).not.toContain('a-only-type');
        expect(list.body.data.map((x: { id: string }) => x.id)).not.toContain('a-type');
        expect(list.body.data.every((x: { org_id: string }) => x.org_id === orgB)).toBe(true);
        expect(list.body.meta).toEqual(expect.objectContaining({ org_id: orgB, total: list.body.data.length }));
      }
    });

    it("B cannot change or delete A's job type", async () => {
      expectProblem(await t.http().patch('/services/job-types/a-only-type').set(bearer(bAdmin)).send({ name: 'hijacked' }), 404, 'JOB_TYPE_NOT_FOUND');
      expectProblem(await t.http().delete('/services/job-types/a-only-type').set(bearer(bAdmin)), 404, 'JOB_TYPE_NOT_FOUND');
      const a = await t.http().get('/services/job-types/a-only-type').set(bearer(aWrite));
      expect(a.status).toBe(200);
      expect(a.body.data.name).toBe('A a-only-type');
    });

    it("B creating a job with A's job type id (B has none) is 404 JOB_TYPE_NOT_FOUND", async () => {
      const res = await t.http().post('/services/agent-jobs').set(bearer(bWrite)).send({
        target_channel: { org_id: orgB, platform: 'slack', code: 'C0B' }, job_type_id: 'a-only-type',
      });
      expectProblem(res, 404, 'JOB_TYPE_NOT_FOUND');
      expectNoOrgAData(res);
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM jobs WHERE job_type_id = 'a-only-type'`);
      expect(rows[0].n).toBe(0);
    });

    it("B can create a type with the same id as A's, and each org sees its own", async () => {
      const res = await t.http().post('/services/job-types').set(bearer(bWrite))
        .send({ id: 'a-type', name: 'B version', executor: { type: 'builtin', name: 'echo' }, default_config: { max_follow_ups: 1 } });
      expect(res.status).toBe(201);
      expect(res.body.data).toEqual(expect.objectContaining({ id: 'a-type', org_id: orgB, name: 'B version' }));
      const b = await t.http().get('/services/job-types/a-type').set(bearer(bWrite));
      expect(b.body.data).toEqual(expect.objectContaining({ org_id: orgB, name: 'B version', default_config: { max_follow_ups: 1 } }));
      const a = await t.http().get('/services/job-types/a-type').set(bearer(aWrite));
      expect(a.body.data).toEqual(expect.objectContaining({ org_id: orgA, name: 'A a-type', default_config: { max_follow_ups: 7 } }));

      // A job of B with that type id uses B's definition.
      const job = await t.http().post('/services/agent-jobs').set(bearer(bWrite)).send({
        target_channel: { org_id: orgB, platform: 'slack', code: 'C0B' }, job_type_id: 'a-type', scheduled_at: inAnHour(),
      });
      expect(job.status).toBe(201);
      expect(job.body.data.config.max_follow_ups).toBe(1);

      // B deleting "its" a-type leaves A's alone.
      expect((await t.http().delete(`/services/agent-jobs/${job.body.data.job_id}`).set(bearer(bWrite))).status).toBe(200);
      expect((await t.http().delete('/services/job-types/a-type').set(bearer(bWrite))).status).toBe(200);
      expect((await t.http().get('/services/job-types/a-type').set(bearer(aWrite))).status).toBe(200);
      expectProblem(await t.http().get('/services/job-types/a-type').set(bearer(bWrite)), 404, 'JOB_TYPE_NOT_FOUND');
    });
  });

  describe('jobs for another org', () => {
    it('B creating a job with target_channel.org_id = A is 403 ORG_MISMATCH', async () => {
      const before = await t.db.query(`SELECT count(*)::int AS n FROM jobs WHERE org_id = $1`, [orgA]);
      for (const [, token] of bTokens()) {
        const res = await t.http().post('/services/agent-jobs').set(bearer(token)).send({
          target_channel: { org_id: orgA, platform: 'slack', code: 'C0X' }, job_type_id: 'a-type',
        });
        expectProblem(res, 403, 'ORG_MISMATCH');
        expectNoOrgAData(res);
      }
      const after = await t.db.query(`SELECT count(*)::int AS n FROM jobs WHERE org_id = $1`, [orgA]);
      expect(after.rows[0].n).toBe(before.rows[0].n);
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM jobs WHERE target_channel->>'org_id' <> org_id`);
      expect(rows[0].n).toBe(0);
    });
  });

  describe('tokens', () => {
    it("B does not see A's tokens", async () => {
      const res = await t.http().get('/services/tokens').set(bearer(bAdmin));
      expect(res.status).toBe(200);
      const ids = res.body.data.map((x: { id: string }) => x.id);
      for (const id of [aIssuedTokenId, tokenId(aWrite), tokenId(aAdmin)]) expect(ids).not.toContain(id);
      expect(res.body.data.every((x: { org_id: string }) => x.org_id === orgB)).toBe(true);
      expect(JSON.stringify(res.body)).not.toContain(orgA);
    });

    it("B cannot revoke A's tokens (403), and they keep working", async () => {
      for (const id of [aIssuedTokenId, tokenId(aWrite)]) {
        const res = await t.http().delete(`/services/tokens/${id}`).set(bearer(bAdmin));
        expectProblem(res, 403);
        expect(JSON.stringify(res.body)).not.toContain(orgA);
      }
      expectProblem(await t.http().delete(`/services/tokens/${aIssuedTokenId}`).set(bearer(bWrite)), 403, 'INSUFFICIENT_ACCESS');
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM api_tokens WHERE org_id = $1 AND revoked_at IS NOT NULL`, [orgA]);
      expect(rows[0].n).toBe(0);
      expect((await t.http().get('/services/agent-jobs').set(bearer(aWrite))).status).toBe(200);
    });
  });
});
