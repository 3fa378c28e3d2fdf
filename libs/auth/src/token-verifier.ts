import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError } from '@app/common';
import { AccessLevel, grants, Scope } from './access-levels';
import { JwtAuthGuard } from './access.guard';
import { Principal } from './principal';

/**
 * Verifies an API token given as text, not as a request's bearer header: for what Nest's guards
 * do not cover (Express middleware such as the queue dashboard, whose browser sends the token as
 * a basic-auth password). The very same checks as every route: this app's JwtStrategy through
 * JwtAuthGuard (signature, iss, aud, exp, then the token record: unknown, revoked, expired).
 */
@Injectable()
export class TokenVerifier {
  constructor(private readonly guard: JwtAuthGuard) {}

  /** The token's principal; a DomainError 401 for a token that is not valid, a 403 without `scope:level`. */
  async verify(token: string, scope: Scope, level: AccessLevel): Promise<Principal> {
    // passport-jwt reads the header only; passport adds its helpers (login...) to this object, not to a real request.
    const req = { headers: { authorization: `Bearer ${token}` } } as unknown as Request;
    const principal = await this.guard.authenticate(req, {} as Response);
    if (principal.task) throw new DomainError(403, 'INSUFFICIENT_ACCESS', 'A task callback token cannot open this page');
    if (!grants(principal.scopes, scope, level)) throw new DomainError(403, 'INSUFFICIENT_ACCESS', `This page needs ${scope}:${level}`);
    return principal;
  }
}
