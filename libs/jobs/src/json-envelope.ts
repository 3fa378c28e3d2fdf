import type { Response } from 'express';

/** The spec's {data, meta} envelope around data that is already JSON text (built by Postgres). */
export const jsonEnvelope = (dataJson: string, meta: object): string => `{"data":${dataJson},"meta":${JSON.stringify(meta)}}`;

/**
 * For handlers with `@Res({ passthrough: true })`: Nest sends a returned string as is, and
 * express then adds the charset, giving the same header as res.json.
 */
export function asJson(res: Response, body: string): string {
  res.type('application/json');
  return body;
}
