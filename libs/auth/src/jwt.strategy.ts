import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig, unauthorized } from '@app/common';
import { Principal } from './principal';
import { jwtKey } from './jwt-key';
import { CallbackTokens } from './task-callback-tokens';
import { JWT_ALGORITHM, TokenService } from './token.service';
import { VerifiedTokens } from './verified-tokens';

interface TokenClaims {
  exp?: number;
  sub: string;
  org_id: string;
  aud: string | string[];
  job_id?: string;
}

const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();

/** Verifies signature (HS256 only), iss, aud and exp, then checks the token record. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly taskAudience: string;
  private readonly verified = new VerifiedTokens<TokenClaims>();

  constructor(config: AppConfig, private readonly tokens: TokenService) {
    super({
      jwtFromRequest: bearerToken,
      passReqToCallback: true,
      // A KeyObject (passport-jwt hands it to jsonwebtoken as is): see jwt-key.ts.
      secretOrKey: jwtKey(config.jwtSecret) as unknown as Buffer,
      algorithms: [JWT_ALGORITHM],
      issuer: config.JWT_ISSUER,
      // API tokens, and task callback tokens (which AccessGuard confines to the routes that allow them).
      audience: [config.JWT_AUDIENCE, CallbackTokens.audienceFor(config)],
      ignoreExpiration: false,
    });
    this.taskAudience = CallbackTokens.audienceFor(config);
  }

  /** A token verified before (same text, not expired) skips passport-jwt's verification; the record is still checked. */
  override authenticate(req: Request, options?: unknown): void {
    const token = bearerToken(req);
    const claims = token ? this.verified.get(token) : undefined;
    if (!claims) return super.authenticate(req, options);
    this.principalFor(claims).then((principal) => this.success(principal), (err) => this.error(err));
  }

  /** Called by passport-jwt once the token verified. */
  async validate(req: Request, claims: TokenClaims): Promise<Principal> {
    const principal = await this.principalFor(claims);
    const token = bearerToken(req);
    if (token) this.verified.remember(token, claims);
    return principal;
  }

  private async principalFor(claims: TokenClaims): Promise<Principal> {
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (audiences.includes(this.taskAudience)) {
      if (!claims.job_id || !claims.org_id) throw unauthorized('Malformed task callback token');
      return { tokenId: claims.sub, orgId: claims.org_id, scopes: { SERVICES: 'WRITE' }, task: { taskId: claims.sub, jobId: claims.job_id } };
    }
    const record = await this.tokens.activeRecord(claims.sub);
    // The record, not the claims, is the authority on org and scopes.
    if (record.org_id !== claims.org_id) throw unauthorized('Token claims do not match its record');
    return { tokenId: record.id, orgId: record.org_id, scopes: record.scopes };
  }
}
