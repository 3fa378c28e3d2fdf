import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { OrgLookup, orgLookup } from '@app/database';
import { ApiTokenEntity } from './api-token.entity';

/** `api_tokens`: the records behind the JWTs. */
@Injectable()
export class ApiTokensRepository {
  constructor(@InjectRepository(ApiTokenEntity) private readonly tokens: Repository<ApiTokenEntity>) {}

  insert(record: ApiTokenEntity): Promise<ApiTokenEntity> {
    return this.tokens.save(this.tokens.create(record));
  }

  listOfOrg(orgId: string): Promise<ApiTokenEntity[]> {
    return this.tokens.find({ where: { org_id: orgId }, order: { created_at: 'DESC' } });
  }

  /** The token `id` as seen by `orgId` (another org's is told apart from an unknown one). */
  async lookup(orgId: string, id: string): Promise<OrgLookup<ApiTokenEntity>> {
    return orgLookup(orgId, await this.findByIdAllOrgs(id));
  }

  /**
   * By id alone, whatever its org: authentication reads the record a verified JWT names (the
   * record says its org), and the operator's CLI revokes any org's token.
   */
  findByIdAllOrgs(id: string): Promise<ApiTokenEntity | null> {
    return this.tokens.findOne({ where: { id } });
  }

  async markRevoked(orgId: string, id: string, at: Date): Promise<void> {
    await this.tokens.update({ id, org_id: orgId }, { revoked_at: at });
  }

  /** Which of these token ids (of any org: the open streams of this process) are active now. */
  async activeIdsAllOrgs(ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows: Array<{ id: string }> = await this.tokens.query(
      `SELECT id FROM api_tokens WHERE id = ANY($1) AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`, [ids],
    );
    return new Set(rows.map((r) => r.id));
  }
}
