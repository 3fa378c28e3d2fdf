import { echoTenant } from '../support/jobs';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Canceling a parent while its subjobs are being created: every create answers 201 or 409
 * PARENT_JOB_TERMINAL (never a 500), and afterwards no subjob under the CANCELED parent is
 * left unfinished. The subjob insert locks its ancestors FOR KEY SHARE and the cancel locks
 * the job it cancels FOR UPDATE before reading the tree, so one of them always waits for the other.
 */
describe('subjobs created while their parent is canceled', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  async function orgWithEcho() {
    const { org, auth } = await echoTenant(t, 'race');
    return { org, auth };
  }

  it('leaves no live subjob under a canceled parent, answering 201 or 409 PARENT_JOB_TERMINAL, round after round', async () => {
    const { org, auth } = await orgWithEcho();
    const later = () => new Date(Date.now() + 3600_000).toISOString();
    const body = (extra: Record<string, unknown>) => ({
      target_channel: { org_id: org, platform: 'slack', code: 'C0RACE01' }, job_type_id: 'echo', scheduled_at: later(), ...extra,
    });
    for (let round = 0; round < 6; round++) {
      const parent = (await t.http().post('/services/agent-jobs').set(auth).send(body({})).expect(201)).body.data.job_id as string;
      // A grandparent chain too: the cancel of the parent must also reach subjobs of a subjob being created.
      const child = (await t.http().post('/services/agent-jobs').set(auth).send(body({ parent_job_id: parent })).expect(201)).body.data.job_id as string;
      const create = (i: number) => t.http().post('/services/agent-jobs').set(auth)
        .send(body({ parent_job_id: i % 3 === 0 ? child : parent, params: { i } })).then((r) => r);
      // The cancel goes out in the middle of the creates, all in flight together.
      const creates = Array.from({ length: 12 }, (_, i) => create(i));
      const cancel = t.http().delete(`/services/agent-jobs/${parent}`).set(auth).send({ reason: `round ${round}` }).then((r) => r);
      creates.push(...Array.from({ length: 12 }, (_, i) => create(12 + i)));
      expect((await cancel).status).toBe(200);
      const answers = await Promise.all(creates);
      for (const r of answers) {
        expect([201, 409]).toContain(r.status);
        if (r.status === 409) expect(r.body.code).toBe('PARENT_JOB_TERMINAL');
      }
      const { rows: live } = await t.db.query(
        `WITH RECURSIVE tree AS (
           SELECT id FROM jobs WHERE parent_job_id = $1
           UNION ALL SELECT j.id FROM jobs j JOIN tree ON j.parent_job_id = tree.id
         ) SELECT j.id, j.status FROM jobs j JOIN tree ON tree.id = j.id WHERE j.status NOT IN ('COMPLETED', 'FAILED', 'CANCELED')`,
        [parent],
      );
      expect(live).toEqual([]);
      const { rows: [p] } = await t.db.query(`SELECT status FROM jobs WHERE id = $1`, [parent]);
      expect(p.status).toBe('CANCELED');
      // Every 201 is a stored subjob, canceled with its parent.
      const ids = answers.filter((r) => r.status === 201).map((r) => r.body.data.job_id);
      const { rows: stored } = await t.db.query(`SELECT status, cancel_reason FROM jobs WHERE id = ANY($1)`, [ids]);
      expect(stored).toHaveLength(ids.length);
      expect(stored.every((s) => s.status === 'CANCELED' && s.cancel_reason === `parent canceled: round ${round}`)).toBe(true);
    }
  });
});
