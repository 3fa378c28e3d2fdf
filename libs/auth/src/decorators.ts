import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata, UseGuards } from '@nestjs/common';
import { unauthorized } from '@app/common';
import { AccessLevel, Scope } from './access-levels';
import { AccessGuard, JwtAuthGuard, REQUIRED_ACCESS } from './access.guard';
import { Principal } from './principal';

/** The one way a route states who may call it, e.g. @RequireAccess('SERVICES', 'WRITE'). */
export const RequireAccess = (scope: Scope, level: AccessLevel, options: { allowTaskToken?: boolean } = {}) =>
  applyDecorators(SetMetadata(REQUIRED_ACCESS, { scope, level, ...options }), UseGuards(JwtAuthGuard, AccessGuard));

/** The verified caller; throws if no guard ran, so a route cannot forget authentication. */
export const CurrentToken = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<{ user?: Principal }>().user;
  if (!principal) throw unauthorized();
  return principal;
});
