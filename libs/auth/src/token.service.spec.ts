import type { Repository } from 'typeorm';
import { AppConfig, DomainError } from '@app/common';
import { ApiTokenEntity, OrgEntity } from './api-token.entity';
import { ApiTokensRepository } from './api-tokens.repository';
import { OrgsRepository } from './orgs.repository';
import { TokenService } from './token.service';

/** The token record cache: one query per token per TTL, shared by concurrent lookups; failures not kept. */
describe('TokenService.activeRecord', () => {
  const record = { id: 'tok_1', org_id: 'acme', scopes: { SERVICES: 'WRITE' }, revoked_at: null, expires_at: null } as unknown as ApiTokenEntity;

  /** `findOne` answers every lookup (a copy, as TypeORM would); update() is what revoke writes. */
  function service(findOne: () => Promise<ApiTokenEntity | null>, ttlMs = 60_000) {
    const calls = { count: 0 };
    let revokedAt: Date | null = null;
    const tokens = {
      findOne: async () => {
        calls.count++;
        const seen = revokedAt; // a query sees the rows as they were when it was sent
        const found = await findOne();
        return found && { ...found, revoked_at: seen };
      },
      update: async (_where: unknown, set: { revoked_at: Date }) => { revokedAt = set.revoked_at; },
    } as unknown as Repository<ApiTokenEntity>;
    const config = Object.assign(new AppConfig(), { TOKEN_CACHE_TTL_MS: ttlMs });
    return { svc: new TokenService(config, new ApiTokensRepository(tokens), new OrgsRepository({} as Repository<OrgEntity>)), calls };
  }

  it('concurrent lookups of one token share one query, and the answer is cached', async () => {
    const { svc, calls } = service(async () => record);
    const answers = await Promise.all([svc.activeRecord('tok_1'), svc.activeRecord('tok_1'), svc.activeRecord('tok_1')]);
    expect(answers).toEqual([record, record, record]);
    expect(answers[1]).toBe(answers[0]);
    await svc.activeRecord('tok_1');
    expect(calls.count).toBe(1);
  });

  it('a failed lookup rejects with the database error (not a 401) and is not cached', async () => {
    let fail = true;
    const { svc, calls } = service(async () => {
      if (fail) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      return record;
    });
    const failed = await Promise.allSettled([svc.activeRecord('tok_1'), svc.activeRecord('tok_1')]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const reason = (failed[0] as PromiseRejectedResult).reason;
    expect(reason).not.toBeInstanceOf(DomainError);
    expect(reason.code).toBe('ECONNREFUSED');
    fail = false;
    await expect(svc.activeRecord('tok_1')).resolves.toEqual(record);
    expect(calls.count).toBe(2);
  });

  it('an unknown token is a 401 (and that answer is cached too)', async () => {
    const { svc, calls } = service(async () => null);
    await expect(svc.activeRecord('tok_x')).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    await expect(svc.activeRecord('tok_x')).rejects.toMatchObject({ status: 401 });
    expect(calls.count).toBe(1);
  });

  it('revoke drops the cached record at once; a lookup in flight still answers its callers', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let first = true;
    const { svc } = service(async () => {
      if (first) { first = false; await gate; }
      return record;
    });
    const inFlight = svc.activeRecord('tok_1');
    await svc.revoke('tok_1', 'acme');
    release();
    await expect(inFlight).resolves.toEqual(record);
    await expect(svc.activeRecord('tok_1')).rejects.toMatchObject({ status: 401, message: 'Token has been revoked' });
  });

  it('TOKEN_CACHE_TTL_MS=0 reads the record every time', async () => {
    const { svc, calls } = service(async () => record, 0);
    await svc.activeRecord('tok_1');
    await svc.activeRecord('tok_1');
    expect(calls.count).toBe(2);
  });
});
