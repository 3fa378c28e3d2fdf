import { childRows, eachChild, seedJob, storedJobs } from '../support/retention-seed';
import { expectProblem, fieldsOf } from '../support/problem';
import { bearer, newOrg, startTestApp, TestApp } from '../support/test-app';

/** DELETE /services/agent-jobs?status=...: an admin clears the org's finished jobs now, with their subjobs and child rows. */
describe('DELETE /services/agent-jobs (clear finished jobs)', () => {
  let t: TestApp;
  let org: string;
  let other: string;
  let admin: Record<string, string>;
  let write: Record<string, string>;

  // No worker: retention must not delete anything behind the test's back (RETENTION_DAYS is the default 30, all rows are recent).
  beforeAll(async () => {
    t = await startTestApp({ withWorker: false, env: { RETENTION_BATCH_SIZE: '2' } });
    org = newOrg('clear');
    other = newOrg('clear-other');
    admin = bearer(await t.token(org, { SERVICES: 'ADMIN' }));
    write = bearer(await t.token(org, { SERVICES: 'WRITE' }));
  });
  afterAll(async () => { await t?.close(); });

  const clear = (query: string, auth = admin) => t.http().delete(`/services/agent-jobs${query}`).set(auth);

  it('deletes the matching finished trees and answers their count; other statuses, unfinished jobs and other orgs stay', async () => {
    const done = [];
    for (let i = 0; i < 5; i++) done.push(await seedJob(t.db, { org, status: 'COMPLETED', daysAgo: 0 }));
    const failed = await seedJob(t.db, { org, status: 'FAILED', daysAgo: 1 });
    const canceled = await seedJob(t.db, { org, status: 'CANCELED', daysAgo: 1 });
    // A root takes its subjobs, whatever their finished status; a tree with a running subjob stays whole.
    const root = await seedJob(t.db, { org, status: 'COMPLETED', daysAgo: 2 });
    const sub = await seedJob(t.db, { org, status: 'CANCELED', daysAgo: 2, parent: root });
    const busyRoot = await seedJob(t.db, { org, status: 'COMPLETED', daysAgo: 2 });
    const busySub = await seedJob(t.db, { org, status: 'RUNNING', daysAgo: 2, parent: busyRoot });
    const active = [await seedJob(t.db, { org, status: 'WAITING', daysAgo: 0 }), await seedJob(t.db, { org, status: 'SCHEDULED', daysAgo: 0 })];
    const foreign = [await seedJob(t.db, { org: other, status: 'COMPLETED', daysAgo: 0 }), await seedJob(t.db, { org: other, status: 'FAILED', daysAgo: 0 })];

    const res = await clear('?status=COMPLETED,FAILED');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ meta: { org_id: org, deleted: 8 } });
    const gone = [...done, failed, root, sub];
    expect(await storedJobs(t.db, gone)).toEqual([]);
    expect(await childRows(t.db, gone)).toEqual(eachChild(0));
    const kept = [canceled, busyRoot, busySub, ...active, ...foreign];
    expect(await storedJobs(t.db, kept)).toEqual([...kept].sort());
    expect(await childRows(t.db, kept)).toEqual(eachChild(kept.length));

    // Again: nothing left to delete with these statuses.
    expect((await clear('?status=completed,FAILED')).body).toEqual({ meta: { org_id: org, deleted: 0 } });
    expect((await clear('?status=CANCELED')).body).toEqual({ meta: { org_id: org, deleted: 1 } });
  });

  it('takes the list filters: job_type_id, channel_code, created ranges; a filter selects roots, a subjob goes only with its root', async () => {
    const report = await seedJob(t.db, { org, status: 'COMPLETED', daysAgo: 0, jobType: 'report' });
    const echo = await seedJob(t.db, { org, status: 'COMPLETED', daysAgo: 0, jobType: 'echo' });
    // The report subjob of an echo root: the root is not matched by job_type_id=report, so the subjob stays.
    const reportSub = await seedJob(t.db, { org, status: 'COMPLETED', daysAgo: 0, jobType: 'report', parent: echo });
    const oldOne = await seedJob(t.db, { org, status: 'FAILED', daysAgo: 10, createdDaysAgo: 10, channel: 'C0OLD' });
    const newOne = await seedJob(t.db, { org, status: 'FAILED', daysAgo: 0, channel: 'C0OLD' });

    expect((await clear('?status=COMPLETED&job_type_id=report')).body.meta.deleted).toBe(1);
    expect(await storedJobs(t.db, [report, echo, reportSub])).toEqual([echo, reportSub].sort());

    const weekAgo = new Date(Date.now() - 7 * 86400_000).toISOString();
    expect((await clear(`?status=FAILED&channel_code=C0OLD&created_at_lte=${weekAgo}`)).body.meta.deleted).toBe(1);
    expect(await storedJobs(t.db, [oldOne, newOne])).toEqual([newOne]);
    expect((await clear(`?status=FAILED&created_at_gte=${weekAgo}&channel_code=C0OLD`)).body.meta.deleted).toBe(1);
    expect((await clear('?status=COMPLETED&job_type_id=echo')).body.meta.deleted).toBe(2);
    expect(await storedJobs(t.db, [echo, reportSub])).toEqual([]);
  });

  it('refuses a WRITE token (403), a missing or unfinished status and bad filters (400), and paging parameters', async () => {
    const job = await seedJob(t.db, { org, status: 'COMPLETED', daysAgo: 0 });
    expectProblem(await clear('?status=COMPLETED', write), 403, 'INSUFFICIENT_ACCESS');
    expectProblem(await t.http().delete('/services/agent-jobs?status=COMPLETED'), 401, 'UNAUTHORIZED');
    for (const query of ['', '?status=RUNNING', '?status=COMPLETED,WAITING', '?status=SCHEDULED', '?status=']) {
      const res = await clear(query);
      expectProblem(res, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(res)).toEqual(['status']);
    }
    const badDate = await clear('?status=COMPLETED&created_at_gte=yesterday');
    expectProblem(badDate, 400, 'VALIDATION_ERROR');
    expect(fieldsOf(badDate)).toEqual(['created_at_gte']);
    for (const param of ['limit=5', 'offset=1', 'sort=created_at:asc', 'cursor=x']) {
      const res = await clear(`?status=COMPLETED&${param}`);
      expectProblem(res, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(res)).toEqual([param.split('=')[0]]);
    }
    expect(await storedJobs(t.db, [job])).toEqual([job]);
  });

  it('keeps a finished job until the observers have been told of its events', async () => {
    const job = await seedJob(t.db, { org, status: 'FAILED', daysAgo: 0, jobType: 'undispatched' });
    await t.db.query(`UPDATE job_events SET dispatched = false WHERE job_id = $1 AND to_status = 'FAILED'`, [job]);
    expect((await clear('?status=FAILED&job_type_id=undispatched')).body.meta.deleted).toBe(0);
    await t.db.query(`UPDATE job_events SET dispatched = true WHERE job_id = $1`, [job]);
    expect((await clear('?status=FAILED&job_type_id=undispatched')).body.meta.deleted).toBe(1);
  });

  it("another org's admin clears only its own jobs", async () => {
    const mine = await seedJob(t.db, { org, status: 'COMPLETED', daysAgo: 0 });
    const theirs = await seedJob(t.db, { org: other, status: 'COMPLETED', daysAgo: 0 });
    const otherAdmin = bearer(await t.token(other, { SERVICES: 'ADMIN' }));
    const res = await clear('?status=COMPLETED', otherAdmin);
    expect(res.body.meta.org_id).toBe(other);
    expect(res.body.meta.deleted).toBeGreaterThanOrEqual(1);
    expect(await storedJobs(t.db, [mine, theirs])).toEqual([mine]);
  });
});
