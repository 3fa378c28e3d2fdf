import { Injectable } from '@nestjs/common';
import { AppConfig, conflict, notFound } from '@app/common';
import * as secretBox from '@app/common/crypto';
import { NO_ORG, OrgWebhookSecretsRepository } from './org-webhook-secrets.repository';

/** How long a rotated-out secret keeps signing, so receivers can switch over. */
export const ROTATION_GRACE_HOURS = 24;

export interface RevealedSecret {
  secret: string;
  /** While set and in the future, deliveries are also signed with the previous secret. */
  previous_secret_expires_at: string | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const orgNotFound = (orgId: string) => notFound('ORG_NOT_FOUND', `Org '${orgId}' not found`);

/**
 * Each org's Standard Webhooks signing secret for observer webhooks (and webhook channels).
 * Created on first use, encrypted at rest, shown to an admin once; a rotation keeps the
 * previous secret signing for ROTATION_GRACE_HOURS, so receivers never see a gap.
 */
@Injectable()
export class OrgWebhookSecrets {
  constructor(private readonly repo: OrgWebhookSecretsRepository, private readonly config: AppConfig) {}

  /**
   * The secrets deliveries are signed with (by SignedWebhookSender, one signature each): the
   * current one first, then the previous one during its grace.
   */
  async secretsFor(orgId: string): Promise<string[]> {
    // First use: whoever stores first wins; everyone then signs with the stored one.
    const row = (await this.repo.live(orgId)) ?? (await this.repo.createIfAbsent(orgId, this.seal(orgId, secretBox.newSigningSecret())));
    if (row === NO_ORG) throw orgNotFound(orgId);
    const secrets = [this.open(orgId, row.secret)];
    if (row.previous) secrets.push(this.open(orgId, row.previous));
    return secrets;
  }

  /** The current secret, once: a second read is refused (rotate to get a new one). */
  async reveal(orgId: string): Promise<RevealedSecret> {
    const row = await this.repo.reveal(orgId, this.seal(orgId, secretBox.newSigningSecret()));
    if (row === NO_ORG) throw orgNotFound(orgId);
    if (row === 'revealed') {
      throw conflict(
        'SECRET_ALREADY_REVEALED',
        'The webhook signing secret was already shown once and cannot be read again. '
          + 'Rotate it (POST /services/webhooks/signing-secret/rotate) to get a new one; the old one keeps signing for '
          + `${ROTATION_GRACE_HOURS} h.`,
      );
    }
    return { secret: this.open(orgId, row.secret), previous_secret_expires_at: iso(row.previous_expires_at) };
  }

  /**
   * A new current secret, shown in this answer only. The one it replaces keeps signing for
   * ROTATION_GRACE_HOURS; a secret that was already "previous" is dropped at once.
   */
  async rotate(orgId: string): Promise<RevealedSecret> {
    const secret = secretBox.newSigningSecret();
    const row = await this.repo.rotate(orgId, this.seal(orgId, secret), ROTATION_GRACE_HOURS);
    if (row === NO_ORG) throw orgNotFound(orgId);
    return { secret, previous_secret_expires_at: iso(row.previous_expires_at) };
  }

  private seal(orgId: string, secret: string): string {
    return secretBox.seal(this.config.encryptionKey, secret, `org-webhook-secret:${orgId}`);
  }

  private open(orgId: string, stored: string): string {
    // A plain whsec_ value (set by hand by an operator) is accepted as is.
    return stored.startsWith('whsec_') ? stored : secretBox.open(this.config.encryptionKey, stored, `org-webhook-secret:${orgId}`);
  }
}
