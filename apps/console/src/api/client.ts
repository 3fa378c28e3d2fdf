/**
 * The typed API client: openapi-fetch over the types generated from openapi.json at build time
 * (apps/console/src/api/openapi.d.ts), with the signed-in token as a bearer header. A 401 signs
 * the user out (the sign-in page says why); any other error becomes an ApiError carrying the
 * problem+json body, whose `detail` the pages show.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './openapi';
import { forgetToken, storedIdentity } from '../auth';

export type Schemas = components['schemas'];
export type Job = Schemas['Job'];
export type JobStatus = Job['job_status'];

export interface Problem {
  status: number;
  title?: string;
  detail?: string;
  code?: string;
  errors?: { field: string; message: string }[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
  }
}

/** Called when the API refuses the token (401): the app goes back to sign-in with this message. */
let onUnauthorized: (message: string) => void = () => undefined;
export const whenUnauthorized = (fn: (message: string) => void) => { onUnauthorized = fn; };

export function signOutUnauthorized(detail?: string): void {
  forgetToken();
  onUnauthorized(`The API refused your token${detail ? `: ${detail}` : ''}. It may have expired or been revoked; sign in again.`);
}

export const authHeaders = (): Record<string, string> => {
  const who = storedIdentity();
  return who ? { Authorization: `Bearer ${who.token}` } : {};
};

const auth: Middleware = {
  onRequest({ request }) {
    for (const [k, v] of Object.entries(authHeaders())) request.headers.set(k, v);
    return request;
  },
  async onResponse({ response }) {
    if (response.status === 401 && storedIdentity()) {
      const body = await response.clone().json().catch(() => ({}));
      signOutUnauthorized((body as Problem).detail);
    }
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: location.origin });
api.use(auth);

/** The data of an openapi-fetch answer, or an ApiError with its problem details. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let answer: { data?: T; error?: unknown; response: Response };
  try {
    answer = await call;
  } catch (err) {
    throw new ApiError({ status: 0, title: 'Network error', detail: `The API could not be reached (${(err as Error).message}).` });
  }
  if (answer.response.ok) return answer.data as T;
  const problem = (typeof answer.error === 'object' && answer.error) ? answer.error as Problem : {} as Problem;
  throw new ApiError({ ...problem, status: answer.response.status });
}
