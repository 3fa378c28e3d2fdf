import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@app/common';
import * as secretBox from '@app/common/crypto';
import { newSigningSecret } from '@app/common/crypto';
import type { JobTypeEntity } from '../job-type.entity';
import { JobTypesRepository, PlainSecretRow } from '../job-types.repository';

/** How long a rotated-out secret keeps signing agent calls, so agents can switch over. */
export const SIGNING_SECRET_GRACE_HOURS = 24;
const SEAL_BATCH = 500;

const isPlain = (stored: string) => stored.startsWith('whsec_');

/**
 * Job types' Standard Webhooks signing secrets (and openai executors' api keys), sealed at rest with ENCRYPTION_KEY (bound to
 * the org and job type id), shown once at creation and at each rotation. A rotation keeps the
 * previous secret signing for SIGNING_SECRET_GRACE_HOURS: agents get both signatures.
 */
@Injectable()
export class JobTypeSecrets implements OnApplicationBootstrap {
  private readonly logger = new Logger(JobTypeSecrets.name);

  constructor(
    private readonly repo: JobTypesRepository,
    private readonly config: AppConfig,
  ) {}

  /** A new secret, and its sealed form to store. */
  issue(orgId: string, jobTypeId: string): { secret: string; sealed: string } {
    const secret = newSigningSecret();
    return { secret, sealed: this.seal(orgId, jobTypeId, secret) };
  }

  /** What an agent call is signed with: the current secret, then the previous one during its grace. */
  signingSecrets(type: JobTypeEntity, now = new Date()): string[] {
    const secrets = [this.open(type.org_id, type.id, type.signing_secret)];
    const expires = type.signing_secret_previous_expires_at;
    if (type.signing_secret_previous && expires && new Date(expires) > now) {
      secrets.push(this.open(type.org_id, type.id, type.signing_secret_previous));
    }
    return secrets;
  }

  /**
   * A new current secret (returned in plain text this once); the one it replaces signs on for
   * SIGNING_SECRET_GRACE_HOURS, and a secret that was already "previous" stops at once. Null
   * when the job type does not exist.
   */
  async rotate(orgId: string, jobTypeId: string): Promise<{ secret: string; previousExpiresAt: Date } | null> {
    const { secret, sealed } = this.issue(orgId, jobTypeId);
    const rotated = await this.repo.rotateSecret(orgId, jobTypeId, sealed, SIGNING_SECRET_GRACE_HOURS);
    return rotated ? { secret, previousExpiresAt: rotated.previousExpiresAt } : null;
  }

  /** At start, before this process serves anything: seals what was stored in plain text. */
  async onApplicationBootstrap(): Promise<void> {
    const sealed = await this.sealPlainRows();
    if (sealed) this.logger.log(`sealed the signing secrets of ${sealed} job type(s)`);
  }

  /**
   * Seals every plain secret, in batches over the partial index of plain rows. A row is only
   * overwritten if it still holds the values read, so replicas starting together, or a
   * rotation meanwhile, lose nothing.
   */
  async sealPlainRows(): Promise<number> {
    let after: [string, string] = ['', ''];
    let total = 0;
    for (;;) {
      const rows = await this.repo.plainSecretsAllOrgs(after, SEAL_BATCH);
      if (!rows.length) return total;
      const sealIfPlain = (r: PlainSecretRow, v: string | null) => (v !== null && isPlain(v) ? this.seal(r.org_id, r.id, v) : v);
      total += await this.repo.storeSealed(rows.map((r) => ({
        ...r, sealed: sealIfPlain(r, r.signing_secret)!, sealed_previous: sealIfPlain(r, r.signing_secret_previous),
      })));
      const last = rows[rows.length - 1];
      after = [last.org_id, last.id];
    }
  }

  /** An openai executor's api_key as stored (job_types.api_key). */
  sealApiKey(orgId: string, jobTypeId: string, apiKey: string): string {
    return secretBox.seal(this.config.encryptionKey, apiKey, apiKeyContext(orgId, jobTypeId));
  }

  /** The stored api_key in plain text, null when none; throws SecretBoxError when it does not open. */
  openApiKey(type: JobTypeEntity): string | null {
    return type.api_key === null ? null : secretBox.open(this.config.encryptionKey, type.api_key, apiKeyContext(type.org_id, type.id));
  }

  private seal(orgId: string, jobTypeId: string, secret: string): string {
    return secretBox.seal(this.config.encryptionKey, secret, context(orgId, jobTypeId));
  }

  /** A plain value (not sealed yet) is used as is. */
  private open(orgId: string, jobTypeId: string, stored: string): string {
    return isPlain(stored) ? stored : secretBox.open(this.config.encryptionKey, stored, context(orgId, jobTypeId));
  }
}

/** Bound into the seal: a value copied to another job type's row (or column) does not open. */
const context = (orgId: string, jobTypeId: string) => `job-type-signing-secret:${orgId}:${jobTypeId}`;
const apiKeyContext = (orgId: string, jobTypeId: string) => `job-type-api-key:${orgId}:${jobTypeId}`;
