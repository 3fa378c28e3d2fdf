import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig, unauthorized } from '@app/common';
import { Principal } from './principal';
import { JWT_ALGORITHM, TokenService } from './token.service';

interface TokenClaims {
  sub: string;
  org_id: string;
}

/** Verifies signature (HS256 only), iss, aud and exp, then checks the token record. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(config: AppConfig, private readonly tokens: TokenService) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.jwtSecret,
      algorithms: [JWT_ALGORITHM],
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      ignoreExpiration: false,
    });
  }

  async validate(claims: TokenClaims): Promise<Principal> {
    const record = await this.tokens.activeRecord(claims.sub);
    // The record, not the claims, is the authority on org and scopes.
    if (record.org_id !== claims.org_id) throw unauthorized('Token claims do not match its record');
    return { tokenId: record.id, orgId: record.org_id, scopes: record.scopes };
  }
}
