import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import passport from 'passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig, unauthorized } from '@app/common';
import { Principal } from './principal';
import { jwtKey } from './jwt-key';
import { CallbackTokens } from './task-callback-tokens';
import { JWT_ALGORITHM, TokenService } from './token.service';
import { VerifiedTokens } from './verified-tokens';

/** The strategy's name on its own Passport instance. */
export const JWT_STRATEGY = 'jwt';

interface TokenClaims {
  exp?: number;
  sub: string;
  org_id: string;
  aud: string | string[];
  job_id?: string;
}

const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();

/** Each strategy's own Passport (see getPassportInstance), keyed by the strategy. */
const ownPassports = new WeakMap<object, passport.Authenticator>();

/**
 * Verifies signature (HS256 only), iss, aud and exp, then checks the token record. Registered
 * on a Passport of its own, not on passport's process-wide one: two apps in one process (tests,
 * a replica) would otherwise share the last one created, with that app's database.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
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

  /** @nestjs/passport's hook (called by its constructor, before our fields exist) for where the strategy registers. */
  getPassportInstance(): passport.Authenticator {
    let own = ownPassports.get(this);
    if (!own) ownPassports.set(this, (own = new passport.Passport()));
    return own;
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
    return { tokenId: record.id, orgId: record.org_id, scopes: record.scopes, rateLimitPerMinute: record.rate_limit_per_minute };
  }
}
