import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { DomainError, unauthorized } from '@app/common';
import { AccessLevel, grants, Scope } from './access-levels';
import { JWT_STRATEGY, JwtStrategy } from './jwt.strategy';
import { Principal } from './principal';

export const REQUIRED_ACCESS = 'agent-jobs:required-access';
export interface RequiredAccess {
  scope: Scope;
  level: AccessLevel;
  /** Whether an agent's task callback token may call this route (only job creation, for subjobs). */
  allowTaskToken?: boolean;
}

/**
 * passport-jwt through this app's own JwtStrategy (and its own Passport instance, which runs a
 * per-request copy of it, as passport does), never through a process-wide strategy name that
 * another app in the process could have taken. Every failure of the token itself (missing,
 * malformed, expired, bad signature; unknown or revoked record) is our 401. passport-jwt reports
 * those as `info`; `err` is what our validate() threw: a DomainError, or a failure to read the
 * token record (Postgres down), which is not the client's fault and goes to the filter as it is (503).
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(private readonly strategy: JwtStrategy) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request & { user?: Principal }>();
    req.user = await this.authenticate(req, http.getResponse<Response>());
    return true;
  }

  /**
   * The principal of a request's bearer token, or the error to answer (a DomainError 401, or
   * what reading the token record threw). Also used outside Nest's routing (TokenVerifier).
   */
  authenticate(req: Request, res: Response): Promise<Principal> {
    return new Promise<Principal>((resolve, reject) => {
      const authenticate = this.strategy.getPassportInstance().authenticate(JWT_STRATEGY, { session: false }, (err: unknown, principal: Principal | false, info: unknown) => {
        try {
          resolve(this.handleRequest(err, principal, info));
        } catch (e) {
          reject(e);
        }
      });
      // passport calls next() only for a strategy that passes, which passport-jwt never does.
      authenticate(req, res, (err?: unknown) => reject(err ?? unauthorized()));
    });
  }

  private handleRequest(err: unknown, principal: Principal | false, info: unknown): Principal {
    if (err) throw err;
    if (!principal) {
      const reason = info instanceof Error ? info.message : 'A valid bearer token is required';
      throw unauthorized(reason === 'No auth token' ? 'A bearer token is required' : `Invalid token: ${reason}`);
    }
    return principal;
  }
}

/** Runs after JwtAuthGuard: the token's level must include the route's level. */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.get<RequiredAccess>(REQUIRED_ACCESS, context.getHandler())
      ?? this.reflector.get<RequiredAccess>(REQUIRED_ACCESS, context.getClass());
    const principal = context.switchToHttp().getRequest<{ user?: Principal }>().user;
    if (!required || !principal) throw unauthorized();
    if (principal.task && !required.allowTaskToken) {
      throw new DomainError(403, 'INSUFFICIENT_ACCESS', 'A task callback token may only report its result and create subjobs');
    }
    if (!grants(principal.scopes, required.scope, required.level)) {
      throw new DomainError(403, 'INSUFFICIENT_ACCESS', `This route needs ${required.scope}:${required.level}`);
    }
    return true;
  }
}
