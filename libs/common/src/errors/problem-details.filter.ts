import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';
import { DependencyStates, DomainError, FieldError, ServiceUnavailableError } from './domain-error';
import { isOutage } from './outage';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
  /** Readiness only: each dependency's state. */
  dependencies?: DependencyStates;
  [extension: string]: unknown;
}

const STANDARD_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'code', 'errors']);

/** Retry-After of every 503, in seconds: a short wait (both clients reconnect within about a second of their server being back). */
export const RETRY_AFTER_SECONDS = 5;

const CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/** Errors raised by express' body parser before any handler runs. */
function fromBodyParser(err: { type?: string; status?: number }): Problem | undefined {
  if (err.type === 'entity.too.large') return problem(413, 'PAYLOAD_TOO_LARGE', 'The request body exceeds 1 MB');
  if (err.type === 'entity.parse.failed') return problem(400, 'MALFORMED_JSON', 'The request body is not valid JSON');
  if (err.type && err.status && err.status < 500) return problem(err.status, CODE_BY_STATUS[err.status] ?? 'BAD_REQUEST', 'The request body could not be read');
  return undefined;
}

function problem(status: number, code: string, detail: string, errors?: FieldError[], extensions?: Record<string, unknown>): Problem {
  const title = STATUS_CODES[status] ?? 'Error';
  const type = `https://agent-jobs.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`;
  const body: Problem = { type, title, status, detail, code, ...(errors ? { errors } : {}) };
  for (const [name, value] of Object.entries(extensions ?? {})) if (!STANDARD_MEMBERS.has(name)) body[name] = value;
  return body;
}

/**
 * Safety net: a value Postgres rejects as data (class 22: bad date, out of range, bad
 * text encoding such as NUL bytes) came from the request, so it is a 400, not a 500.
 */
function fromDatabase(err: { driverError?: { code?: string }; code?: string }): Problem | undefined {
  const code = err?.driverError?.code ?? (err?.constructor?.name === 'DatabaseError' ? err.code : undefined);
  if (typeof code === 'string' && code.startsWith('22')) return problem(400, 'INVALID_VALUE', 'A value in the request is out of range or malformed');
  return undefined;
}

export function toProblem(exception: unknown): Problem {
  if (exception instanceof ServiceUnavailableError) {
    return { ...problem(503, exception.code, exception.message), ...(exception.dependencies ? { dependencies: exception.dependencies } : {}) };
  }
  if (exception instanceof DomainError) {
    return problem(exception.status, exception.code, exception.message, exception.errors, exception.extensions);
  }
  // Postgres or Redis unreachable: their messages (addresses, users) stay in the log.
  if (isOutage(exception)) return problem(503, 'SERVICE_UNAVAILABLE', 'The database or the queue cannot be reached right now; retry later');
  const dataError = fromDatabase(exception as never);
  if (dataError) return dataError;
  const parsed = fromBodyParser(exception as { type?: string; status?: number });
  if (parsed) return parsed;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse() as { message?: unknown; code?: string };
    const detail = typeof body === 'string' ? body : typeof body?.message === 'string' ? body.message : exception.message;
    return problem(status, body?.code ?? CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST'), detail);
  }
  return problem(HttpStatus.INTERNAL_SERVER_ERROR, 'INTERNAL_ERROR', 'An unexpected error occurred');
}

/** Writes a problem; a 503 says when to try again. */
export function sendProblem(res: Response, body: Problem): void {
  if (body.status === 503) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
  res.status(body.status).type('application/problem+json').send(JSON.stringify(body));
}

/** Maps every error to RFC 9457 problem+json; never leaks stacks or database messages. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const body = toProblem(exception);
    // An outage fails every request: one line each, not a stack.
    if (body.status === 503) this.logger.warn(`503: ${exception instanceof Error ? exception.message : String(exception)}`);
    else if (body.status >= 500) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    if (res.headersSent) return;
    sendProblem(res, body);
  }
}
