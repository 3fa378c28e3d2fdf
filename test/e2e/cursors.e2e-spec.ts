import type { Response } from 'supertest';
import { createEchoJobType } from '../support/jobs';
import { expectProblem, fieldsOf } from '../support/problem';
import { bearer, newOrg, startTestApp, TestApp } from '../support/test-app';

/** List cursors are signed for their org and sort: anything else is 400 on `cursor`. */
describe('list cursors', () => {
  let t: TestApp;
  const orgs: Array<{ org: string; auth: Record<string, string> }> = [];
  const list = (auth: Record<string, string>, query: string) => t.http().get(`/services/agent-jobs?${query}`).set(auth);
  const ids = (res: Response): string[] => res.body.data.map((j: { job_id: string }) => j.job_id);
  const expectBadCursor = (res: Response, message?: RegExp) => {
    expectProblem(res, 400, 'VALIDATION_ERROR');
    expect(fieldsOf(res)).toEqual(['cursor']);
    if (message) expect(res.body.errors[0].message).toMatch(message);
  };

  beforeAll(async () => {
    t = await startTestApp({ withWorker: false });
    for (const label of ['cursor-a', 'cursor-b']) {
      const org = newOrg(label);
      const auth = bearer(await t.token(org, { SERVICES: 'WRITE' }));
      await createEchoJobType(t, auth);
      for (let i = 0; i < 5; i++) {
        const res = await t.http().post('/services/agent-jobs').set(auth).send({
          target_channel: { org_id: org, platform: 'slack', code: 'C0CURSOR' }, job_type_id: 'echo',
          scheduled_at: new Date(Date.now() + (i + 1) * 3600_000).toISOString(),
        });
        expect(res.status).toBe(201);
      }
      orgs.push({ org, auth });
    }
  });
  afterAll(async () => { await t?.close(); });

  it('an untouched cursor pages on; the cursor is base64url JSON carrying its signature', async () => {
    const [a] = orgs;
    const first = await list(a.auth, 'limit=2');
    const cursor: string = first.body.meta.next_cursor;
    expect(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))).toEqual({
      v: expect.any(String), id: ids(first)[1], f: 'created_at', d: 'desc', t: 5, s: expect.stringMatching(/^[\w-]{43}$/),
    });
    const second = await list(a.auth, `limit=2&cursor=${encodeURIComponent(cursor)}`);
    expect(second.status).toBe(200);
    expect(ids(second)).toEqual(ids(await list(a.auth, 'limit=2&offset=2')));
    expect(second.body.meta.total).toBe(5);
  });

  it('a cursor with any byte changed is 400 on cursor', async () => {
    const [a] = orgs;
    const cursor: string = (await list(a.auth, 'limit=2&sort=scheduled_at:asc')).body.meta.next_cursor;
    const bytes = Buffer.from(cursor, 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      const tampered = Buffer.from(bytes);
      tampered[i] ^= 0x01;
      expectBadCursor(await list(a.auth, `limit=2&sort=scheduled_at:asc&cursor=${tampered.toString('base64url')}`), /not a cursor this API returned/);
    }
    // Re-encodings of the same bytes and cut cursors are not ours either.
    for (const bad of [`${cursor}=`, cursor.slice(0, -1), cursor.slice(1), `${cursor}AA`]) {
      expectBadCursor(await list(a.auth, `limit=2&sort=scheduled_at:asc&cursor=${encodeURIComponent(bad)}`));
    }
  });

  it("another org's cursor is 400, both ways; each org's own still works", async () => {
    const [a, b] = orgs;
    const fromA: string = (await list(a.auth, 'limit=2')).body.meta.next_cursor;
    const fromB: string = (await list(b.auth, 'limit=2')).body.meta.next_cursor;
    expectBadCursor(await list(b.auth, `limit=2&cursor=${fromA}`), /not a cursor this API returned for this org/);
    expectBadCursor(await list(a.auth, `limit=2&cursor=${fromB}`));
    // Claiming the other org's row in a cursor of one's own does not pass either.
    const payload = JSON.parse(Buffer.from(fromB, 'base64url').toString('utf8'));
    const withAsId = { ...payload, id: JSON.parse(Buffer.from(fromA, 'base64url').toString('utf8')).id };
    expectBadCursor(await list(b.auth, `limit=2&cursor=${Buffer.from(JSON.stringify(withAsId)).toString('base64url')}`));
    const own = await list(b.auth, `limit=2&cursor=${fromB}`);
    expect(own.status).toBe(200);
    expect(own.body.data.every((j: { org_id: string }) => j.org_id === b.org)).toBe(true);
  });

  it('a cursor used with another sort is 400 on cursor', async () => {
    const [a] = orgs;
    const cursor: string = (await list(a.auth, 'limit=2&sort=scheduled_at:asc')).body.meta.next_cursor;
    for (const sort of ['scheduled_at:desc', 'scheduled_at', 'created_at:asc', 'updated_at:asc']) {
      expectBadCursor(await list(a.auth, `limit=2&sort=${sort}&cursor=${cursor}`), /another sort/);
    }
    // Without `sort` the default (created_at:desc) applies, which is another sort too.
    expectBadCursor(await list(a.auth, `limit=2&cursor=${cursor}`), /another sort/);
    // A cursor whose sort was edited to match is not signed.
    const payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const edited = Buffer.from(JSON.stringify({ ...payload, f: 'created_at', d: 'desc' })).toString('base64url');
    expectBadCursor(await list(a.auth, `limit=2&cursor=${edited}`), /not a cursor this API returned/);
    expect((await list(a.auth, `limit=2&sort=scheduled_at:asc&cursor=${cursor}`)).status).toBe(200);
  });
});
