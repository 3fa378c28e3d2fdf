import { Injectable } from '@nestjs/common';
import * as jwt from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import { AppConfig, badRequest, DomainError, MAX_RATE_PER_MINUTE, newId, notFound } from '@app/common';
import { ownedOrThrow } from '@app/database';
import { Scopes } from './access-levels';
import { ApiTokenEntity } from './api-token.entity';
import { ApiTokensRepository } from './api-tokens.repository';
import { jwtKey } from './jwt-key';
import { OrgsRepository } from './orgs.repository';

export const ORG_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const JWT_ALGORITHM = 'HS256';

export interface IssueTokenInput {
  orgId: string;
  scopes: Scopes;
  name?: string | null;
  expiresInSeconds?: number;
  createdBy?: string | null;
  /** Requests per minute of this token; left out: the deployment's RATE_LIMIT_PER_MINUTE. */
  rateLimitPerMinute?: number | null;
}

export interface IssuedToken {
  id: string;
  token: string;
  org_id: string;
  name: string | null;
  scopes: Scopes;
  created_at: string;
  expires_at: string | null;
  rate_limit_per_minute: number | null;
}

export const tokenView = (t: ApiTokenEntity) => ({
  id: t.id,
  org_id: t.org_id,
  name: t.name,
  scopes: t.scopes,
  created_at: t.created_at.toISOString(),
  expires_at: t.expires_at?.toISOString() ?? null,
  revoked_at: t.revoked_at?.toISOString() ?? null,
  rate_limit_per_minute: t.rate_limit_per_minute,
});

/** A lookup's answer, `record: null` for an unknown token (lru-cache holds no null values). */
interface TokenLookup {
  record: ApiTokenEntity | null;
}

const CACHED_TOKENS = 10_000;

/** Token records and the JWTs that name them. Used by the CLI and the ADMIN routes. */
@Injectable()
export class TokenService {
  /**
   * Concurrent lookups of one token share its query (lru-cache's fetch); a failed lookup is
   * not kept. ignoreFetchAbort: a lookup in flight when revoke() deletes the entry still
   * answers its callers, and is not stored. None at TOKEN_CACHE_TTL_MS=0 (lru-cache's 0 is "forever").
   */
  private readonly cache?: LRUCache<string, TokenLookup>;

  constructor(
    private readonly config: AppConfig,
    private readonly tokens: ApiTokensRepository,
    private readonly orgs: OrgsRepository,
  ) {
    if (config.TOKEN_CACHE_TTL_MS > 0) {
      this.cache = new LRUCache<string, TokenLookup>({
        max: CACHED_TOKENS,
        ttl: config.TOKEN_CACHE_TTL_MS,
        ignoreFetchAbort: true,
        fetchMethod: (id) => this.lookup(id),
      });
    }
  }

  async issue(input: IssueTokenInput): Promise<IssuedToken> {
    if (!ORG_ID_PATTERN.test(input.orgId)) {
      throw badRequest('INVALID_ORG_ID', 'org ids are 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
    }
    const rate = input.rateLimitPerMinute;
    if (rate !== undefined && rate !== null && !(Number.isInteger(rate) && rate >= 1 && rate <= MAX_RATE_PER_MINUTE)) {
      throw badRequest('VALIDATION_ERROR', `rate_limit_per_minute must be a whole number from 1 to ${MAX_RATE_PER_MINUTE}`, [
        { field: 'rate_limit_per_minute', message: `expected 1 to ${MAX_RATE_PER_MINUTE}` },
      ]);
    }
    await this.orgs.ensure(input.orgId);
    const id = newId('tok');
    const now = new Date();
    const expiresAt = input.expiresInSeconds ? new Date(now.getTime() + input.expiresInSeconds * 1000) : null;
    const record = await this.tokens.insert(
      { id, org_id: input.orgId, name: input.name ?? null, scopes: input.scopes, created_at: now, expires_at: expiresAt, revoked_at: null, created_by: input.createdBy ?? null,
        rate_limit_per_minute: input.rateLimitPerMinute ?? null },
    );
    const claims: jwt.JwtPayload = { org_id: input.orgId, scopes: input.scopes };
    if (expiresAt) claims.exp = Math.floor(expiresAt.getTime() / 1000);
    const token = jwt.sign(claims, jwtKey(this.config.jwtSecret), {
      algorithm: JWT_ALGORITHM,
      subject: id,
      issuer: this.config.JWT_ISSUER,
      audience: this.config.JWT_AUDIENCE,
    });
    return { ...tokenView(record), token } as IssuedToken;
  }

  list(orgId: string): Promise<ApiTokenEntity[]> {
    return this.tokens.listOfOrg(orgId);
  }

  /** Revokes a token of the caller's org (null: the operator's CLI, any org); another org's token is 403, as for every record. */
  async revoke(id: string, orgId: string | null): Promise<ApiTokenEntity> {
    const record = orgId === null
      ? await this.tokens.findByIdAllOrgs(id)
      : ownedOrThrow(await this.tokens.lookup(orgId, id), 'TOKEN_NOT_FOUND', `Token '${id}'`);
    if (!record) throw notFound('TOKEN_NOT_FOUND', `Token '${id}' not found`);
    if (!record.revoked_at) {
      record.revoked_at = new Date();
      await this.tokens.markRevoked(record.org_id, id, record.revoked_at);
    }
    this.cache?.delete(id);
    return record;
  }

  /**
   * Which of these token ids are active right now (not revoked, not expired), read from
   * Postgres past the cache: live streams re-check their tokens with it, all at once.
   */
  async activeIds(ids: string[]): Promise<Set<string>> {
    return this.tokens.activeIdsAllOrgs(ids);
  }

  /**
   * The live record behind a verified JWT, or a DomainError(401). Cached for at most
   * TOKEN_CACHE_TTL_MS, which bounds how late a revocation from another process lands.
   */
  async activeRecord(id: string): Promise<ApiTokenEntity> {
    // A JWT without a string `sub` names no record (TypeORM would read `where: {id: undefined}` as "any row").
    if (typeof id !== 'string' || !id) throw new DomainError(401, 'UNAUTHORIZED', 'Token names no token record');
    const { record } = (this.cache ? await this.cache.fetch(id) : await this.lookup(id))!;
    if (!record) throw new DomainError(401, 'UNAUTHORIZED', 'Unknown token');
    if (record.revoked_at) throw new DomainError(401, 'UNAUTHORIZED', 'Token has been revoked');
    if (record.expires_at && record.expires_at.getTime() <= Date.now()) throw new DomainError(401, 'UNAUTHORIZED', 'Token has expired');
    return record;
  }

  /** A database error propagates (the filter answers 503): only a token that is really not valid is a 401. */
  private async lookup(id: string): Promise<TokenLookup> {
    return { record: await this.tokens.findByIdAllOrgs(id) };
  }
}
