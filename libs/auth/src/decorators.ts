import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiExtension, ApiSecurity } from '@nestjs/swagger';
import { ApiProblems, unauthorized } from '@app/common';
import { AccessLevel, Scope } from './access-levels';
import { AccessGuard, JwtAuthGuard, REQUIRED_ACCESS } from './access.guard';
import { RateLimitGuard } from './rate-limit/rate-limit.guard';
import { TaskCallbackGuard } from './task-callback.guard';
import { Principal } from './principal';

/** The API document's security schemes: an API token (JWT), and a task's callback token (agents). */
export const API_TOKEN_SCHEME = 'apiToken';
export const TASK_CALLBACK_SCHEME = 'taskCallbackToken';
/** The operation extension naming the access level a route needs, e.g. "SERVICES:WRITE". */
export const REQUIRED_ACCESS_EXTENSION = 'x-required-access';

/**
 * The one way a route states who may call it, e.g. @RequireAccess('SERVICES', 'WRITE'). The API
 * document's security, access level and 401/403 answers come from here too, so they cannot drift.
 */
export const RequireAccess = (scope: Scope, level: AccessLevel, options: { allowTaskToken?: boolean } = {}) =>
  applyDecorators(
    SetMetadata(REQUIRED_ACCESS, { scope, level, ...options }),
    // Counted per token once it is known, before the access check (a 403 is counted too).
    UseGuards(JwtAuthGuard, RateLimitGuard, AccessGuard),
    ApiSecurity(API_TOKEN_SCHEME),
    ...(options.allowTaskToken ? [ApiSecurity(TASK_CALLBACK_SCHEME)] : []),
    ApiExtension(REQUIRED_ACCESS_EXTENSION, `${scope}:${level}`),
    // Every route refuses unknown query parameters, reads the token record from Postgres, and is rate limited.
    ApiProblems('VALIDATION_ERROR', 'UNAUTHORIZED', 'INSUFFICIENT_ACCESS', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE'),
  );

/**
 * For the route an agent reports a task's result on with that task's callback token (path
 * parameters `:id` and `:task_id`); rate limited per task (RATE_LIMIT_CALLBACK_PER_MINUTE).
 */
export const RequireTaskCallbackToken = () =>
  applyDecorators(
    UseGuards(TaskCallbackGuard, RateLimitGuard),
    ApiSecurity(TASK_CALLBACK_SCHEME),
    ApiProblems('VALIDATION_ERROR', 'UNAUTHORIZED', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE'),
  );

/** The verified caller; throws if no guard ran, so a route cannot forget authentication. */
export const CurrentToken = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<{ user?: Principal }>().user;
  if (!principal) throw unauthorized();
  return principal;
});
