export interface FieldError {
  field: string;
  message: string;
}

/**
 * The one exception type services throw. It carries the HTTP status and the machine
 * code of the spec; the global filter turns it into problem+json. `extensions` are extra
 * members of the problem body (RFC 9457 "extension members", e.g. SESSION_BUSY's
 * `active_turn_id`); they never replace the standard ones.
 */
export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly errors?: FieldError[],
    readonly extensions?: Record<string, unknown>,
  ) {
    super(detail);
  }
}

export const badRequest = (code: string, detail: string, errors?: FieldError[]) =>
  new DomainError(400, code, detail, errors);
export const validationFailed = (errors: FieldError[], detail = 'The request has invalid fields') =>
  new DomainError(400, 'VALIDATION_ERROR', detail, errors);
export const notFound = (code: string, detail: string) => new DomainError(404, code, detail);
export const forbidden = (code: string, detail: string) => new DomainError(403, code, detail);
export const conflict = (code: string, detail: string, extensions?: Record<string, unknown>) =>
  new DomainError(409, code, detail, undefined, extensions);
export const unauthorized = (detail = 'A valid bearer token is required') =>
  new DomainError(401, 'UNAUTHORIZED', detail);

/** Up or down, per dependency: what GET /health/ready reports. */
export type DependencyStates = Record<string, { status: 'up' | 'down' }>;

/**
 * 503 SERVICE_UNAVAILABLE (the filter adds Retry-After): Postgres or Redis cannot be reached.
 * `dependencies` names each one's state, for the readiness check.
 */
export class ServiceUnavailableError extends DomainError {
  constructor(detail: string, readonly dependencies?: DependencyStates) {
    super(503, 'SERVICE_UNAVAILABLE', detail);
  }
}
