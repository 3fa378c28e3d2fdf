import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { columns } from '@app/database';
import { JobTypeEntity } from './job-type.entity';

/** A stored signing secret still in plain text (written before sealing existed), for the start-up sealing pass. */
export interface PlainSecretRow {
  org_id: string;
  id: string;
  signing_secret: string;
  signing_secret_previous: string | null;
}

/** The sealed values for PlainSecretRow, written only where the row still holds the plain ones read. */
export interface SealedSecretRow extends PlainSecretRow {
  sealed: string;
  sealed_previous: string | null;
}

/** `job_types`: every statement names the org (ids are names within an org), but for the start-up sealing pass. */
@Injectable()
export class JobTypesRepository {
  constructor(@InjectRepository(JobTypeEntity) private readonly repo: Repository<JobTypeEntity>) {}

  /** False when the org already has a job type with this id. */
  async insert(type: JobTypeEntity): Promise<boolean> {
    try {
      await this.repo.insert(this.repo.create(type));
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === '23505') return false;
      throw err;
    }
  }

  listOfOrg(orgId: string): Promise<JobTypeEntity[]> {
    return this.repo.find({ where: { org_id: orgId }, order: { created_at: 'DESC' } });
  }

  find(orgId: string, id: string): Promise<JobTypeEntity | null> {
    return this.repo.findOne({ where: { org_id: orgId, id } });
  }

  async update(orgId: string, id: string, patch: Partial<JobTypeEntity>): Promise<void> {
    await this.repo.update({ org_id: orgId, id }, patch);
  }

  async delete(orgId: string, id: string): Promise<void> {
    await this.repo.delete({ org_id: orgId, id });
  }

  /**
   * `sealed` becomes the current secret and the one it replaces signs on for `graceHours`
   * (a secret that was already "previous" is dropped). Null when the job type does not exist.
   */
  async rotateSecret(orgId: string, id: string, sealed: string, graceHours: number): Promise<{ previousExpiresAt: Date } | null> {
    const [rows] = await this.repo.query(
      `UPDATE job_types
          SET signing_secret_previous = signing_secret,
              signing_secret_previous_expires_at = now() + interval '${graceHours} hours',
              signing_secret = $3, updated_at = now()
        WHERE org_id = $1 AND id = $2
        RETURNING signing_secret_previous_expires_at`,
      [orgId, id, sealed],
    );
    return rows.length ? { previousExpiresAt: rows[0].signing_secret_previous_expires_at } : null;
  }

  /** All orgs' rows with a plain secret after the key `after` ((org_id, id) order), `limit` at most: over the partial index of plain rows. */
  plainSecretsAllOrgs(after: [string, string], limit: number): Promise<PlainSecretRow[]> {
    return this.repo.query(
      `SELECT org_id, id, signing_secret, signing_secret_previous FROM job_types
        WHERE (signing_secret LIKE 'whsec\\_%' OR signing_secret_previous LIKE 'whsec\\_%') AND (org_id, id) > ($1, $2)
        ORDER BY org_id, id LIMIT ${Math.trunc(limit)}`,
      after,
    );
  }

  /** Stores sealed secrets (rows of any orgs) where each row still holds the plain values read; how many were written. */
  async storeSealed(rows: SealedSecretRow[]): Promise<number> {
    const [, updated] = await this.repo.query(
      `UPDATE job_types t SET signing_secret = u.sealed, signing_secret_previous = u.sealed_previous
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
              AS u(org_id, id, plain, sealed, plain_previous, sealed_previous)
        WHERE t.org_id = u.org_id AND t.id = u.id
          AND t.signing_secret = u.plain AND t.signing_secret_previous IS NOT DISTINCT FROM u.plain_previous`,
      columns(rows,
        (r) => r.org_id, (r) => r.id, (r) => r.signing_secret, (r) => r.sealed,
        (r) => r.signing_secret_previous, (r) => r.sealed_previous),
    );
    return updated;
  }
}
