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
