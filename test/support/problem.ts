import type { Response } from 'supertest';

/** What no answer of the service may contain: stack frames, SQL, driver and runtime error text. */
export const LEAKS = /\n\s+at |\bat [\w.]+ \(|QueryFailedError|node_modules|\.ts:\d+|\bSELECT\b|\bINSERT\b|\bUPDATE\b|\bWHERE\b|relation "|violates|duplicate key|syntax error at|invalid input syntax|byte sequence|TypeError|Cannot read prop/;

/** Not a 5xx, and nothing of the internals leaks. */
export function expectNoLeak(res: Response): void {
  expect(res.status).toBeLessThan(500);
  expect(res.text ?? '').not.toMatch(LEAKS);
}

/** Every error is RFC 9457 problem+json with the spec's members and our `code`, leaking nothing. */
export function expectProblem(res: Response, status: number, code?: string): void {
  expect({ status: res.status, body: res.body }).toEqual(expect.objectContaining({ status }));
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toEqual(expect.objectContaining({
    type: expect.any(String), title: expect.any(String), status, detail: expect.any(String), code: expect.any(String),
  }));
  if (code) expect(res.body.code).toBe(code);
  expectNoLeak(res);
}

/** The `field` of each error of a 400's `errors`. */
export const fieldsOf = (res: Response): string[] => (res.body.errors ?? []).map((e: { field: string }) => e.field);

/** What a driver's connection error says (addresses, ports, URLs, its wording): never in an answer. */
const DRIVER_TEXT = /ECONN|ETIMEDOUT|127\.0\.0\.1|:\d{4,5}\b|terminat|timeout exceeded|Connection is closed|max retries|postgres:\/\/|redis:\/\//i;

/** An outage's answer: 503 problem+json SERVICE_UNAVAILABLE with Retry-After (seconds), nothing of the driver's error. */
export function expectUnavailable(res: Response): void {
  expect({ status: res.status, body: res.body }).toEqual(expect.objectContaining({ status: 503 }));
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toEqual(expect.objectContaining({
    type: expect.stringMatching(/service-unavailable$/), title: 'Service Unavailable', status: 503, detail: expect.any(String), code: 'SERVICE_UNAVAILABLE',
  }));
  expect(res.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
  expect(res.text).not.toMatch(LEAKS);
  expect(res.text).not.toMatch(DRIVER_TEXT);
}
