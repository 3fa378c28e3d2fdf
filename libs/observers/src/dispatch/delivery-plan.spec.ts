import { planDeliveries, PlanJob } from './delivery-plan';
import { serializePayload } from './webhook-payload';

const at = new Date('2030-01-02T03:04:05.678Z');
const job = (over: Partial<PlanJob> = {}): PlanJob => ({
  id: 'job_1', org_id: 'org-a', result: { ok: 1 }, error: null, parent_job_id: null, cancel_reason: null,
  callback_url: null, observers: null, ...over,
});
const ev = (to_status: string, reason: string | null = null) => ({ to_status, at, reason });
const obs = (url: string, events: string[]) => ({ type: 'webhook', url, events });

describe('planDeliveries', () => {
  it('sends terminal events to callback_url, never job.running or non-events', () => {
    const j = job({ callback_url: 'https://cb.example/x' });
    expect(planDeliveries(ev('COMPLETED'), j, null).map((p) => [p.target, p.eventType])).toEqual([['callback_url', 'job.completed']]);
    expect(planDeliveries(ev('FAILED'), j, null).map((p) => p.eventType)).toEqual(['job.failed']);
    expect(planDeliveries(ev('CANCELED'), j, null).map((p) => p.eventType)).toEqual(['job.canceled']);
    expect(planDeliveries(ev('RUNNING'), j, null)).toEqual([]);
    expect(planDeliveries(ev('WAITING'), j, null)).toEqual([]);
  });

  it('gives each observer exactly the events it lists', () => {
    const j = job({ observers: [obs('https://a.example', ['running', 'completed']), obs('https://b.example', ['failed'])] });
    expect(planDeliveries(ev('RUNNING'), j, null).map((p) => [p.target, p.url])).toEqual([['observer:0', 'https://a.example']]);
    expect(planDeliveries(ev('COMPLETED'), j, null).map((p) => p.target)).toEqual(['observer:0']);
    expect(planDeliveries(ev('FAILED'), j, null).map((p) => p.target)).toEqual(['observer:1']);
    expect(planDeliveries(ev('CANCELED'), j, null)).toEqual([]);
  });

  it("sends a subjob's events to its parent's observers (owned by the parent), not to the parent's callback_url", () => {
    const parent = job({ id: 'job_p', callback_url: 'https://parent-cb.example', observers: [obs('https://p.example', ['running', 'completed'])] });
    const child = job({ id: 'job_c', parent_job_id: 'job_p' });
    const planned = planDeliveries(ev('COMPLETED'), child, parent);
    expect(planned.map((p) => [p.ownerJobId, p.target, p.url])).toEqual([['job_p', 'observer:0', 'https://p.example']]);
    expect(planned[0].payload.data).toMatchObject({ job_id: 'job_c', parent_job_id: 'job_p' });
  });

  it("ignores a parent of another org or one that is not the job's parent", () => {
    const parent = job({ id: 'job_p', org_id: 'org-b', observers: [obs('https://p.example', ['completed'])] });
    expect(planDeliveries(ev('COMPLETED'), job({ id: 'job_c', parent_job_id: 'job_p' }), parent)).toEqual([]);
    expect(planDeliveries(ev('COMPLETED'), job({ id: 'job_c', parent_job_id: 'job_x' }), { ...parent, org_id: 'org-a' })).toEqual([]);
  });

  it('delivers an event once per URL', () => {
    const j = job({ callback_url: 'https://same.example', observers: [obs('https://same.example', ['completed']), obs('https://other.example', ['completed'])] });
    expect(planDeliveries(ev('COMPLETED'), j, null).map((p) => p.target)).toEqual(['callback_url', 'observer:1']);
  });

  it('builds the spec payload: result for completed, error for failed and canceled', () => {
    const completed = planDeliveries(ev('COMPLETED'), job({ callback_url: 'https://x' }), null)[0].payload;
    expect(JSON.parse(serializePayload(completed))).toEqual({
      type: 'job.completed', timestamp: at.toISOString(),
      data: { job_id: 'job_1', org_id: 'org-a', job_status: 'COMPLETED', result: { ok: 1 }, parent_job_id: null },
    });
    expect(Object.keys(JSON.parse(serializePayload(completed)))).toEqual(['type', 'timestamp', 'data']);
    const failed = planDeliveries(ev('FAILED'), job({ callback_url: 'https://x', error: { code: 'E', message: 'm' } }), null)[0].payload;
    expect(failed.data).toEqual({ job_id: 'job_1', org_id: 'org-a', job_status: 'FAILED', error: { code: 'E', message: 'm' }, parent_job_id: null });
    const canceled = planDeliveries(ev('CANCELED'), job({ callback_url: 'https://x', cancel_reason: 'no longer needed' }), null)[0].payload;
    expect(canceled.data.error).toEqual({ code: 'CANCELED', message: 'no longer needed' });
    const running = planDeliveries(ev('RUNNING'), job({ observers: [obs('https://x', ['running'])] }), null)[0].payload;
    expect(running.data).toEqual({ job_id: 'job_1', org_id: 'org-a', job_status: 'RUNNING', parent_job_id: null });
  });

  it('serializes in the spec key order whatever order jsonb gave back', () => {
    const fromJsonb = { data: { org_id: 'o', job_id: 'j', parent_job_id: null, result: 1, job_status: 'COMPLETED' }, type: 'job.completed' as const, timestamp: 't' };
    expect(serializePayload(fromJsonb)).toBe('{"type":"job.completed","timestamp":"t","data":{"job_id":"j","org_id":"o","job_status":"COMPLETED","result":1,"parent_job_id":null}}');
  });
});
