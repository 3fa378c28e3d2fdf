import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiExtension, ApiSecurity } from '@nestjs/swagger';
import { ApiProblems, unauthorized } from '@app/common';
import { AccessLevel, Scope } from './access-levels';
import { AccessGuard, JwtAuthGuard, REQUIRED_ACCESS } from './access.guard';
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
    UseGuards(JwtAuthGuard, AccessGuard),
    ApiSecurity(API_TOKEN_SCHEME),
    ...(options.allowTaskToken ? [ApiSecurity(TASK_CALLBACK_SCHEME)] : []),
    ApiExtension(REQUIRED_ACCESS_EXTENSION, `${scope}:${level}`),
    // Every route refuses unknown query parameters, and reads the token record from Postgres.
    ApiProblems('VALIDATION_ERROR', 'UNAUTHORIZED', 'INSUFFICIENT_ACCESS', 'SERVICE_UNAVAILABLE'),
  );

/** For the route an agent calls with its task's callback token (checked by the handler, not a guard). */
export const ApiTaskCallbackToken = () =>
  applyDecorators(ApiSecurity(TASK_CALLBACK_SCHEME), ApiProblems('VALIDATION_ERROR', 'UNAUTHORIZED', 'SERVICE_UNAVAILABLE'));

/** The verified caller; throws if no guard ran, so a route cannot forget authentication. */
export const CurrentToken = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<{ user?: Principal }>().user;
  if (!principal) throw unauthorized();
  return principal;
});
