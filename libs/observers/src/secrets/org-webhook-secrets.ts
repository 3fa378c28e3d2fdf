import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig, conflict, notFound } from '@app/common';
import * as secretBox from '@app/common/crypto';

/** How long a rotated-out secret keeps signing, so receivers can switch over. */
export const ROTATION_GRACE_HOURS = 24;

export interface RevealedSecret {
  secret: string;
  /** While set and in the future, deliveries are also signed with the previous secret. */
  previous_secret_expires_at: string | null;
}

interface SecretColumns {
  webhook_secret: string | null;
  previous: string | null;
  previous_expires_at: Date | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/**
 * Each org's Standard Webhooks signing secret for observer webhooks (and webhook channels).
 * Created on first use, encrypted at rest, shown to an admin once; a rotation keeps the
 * previous secret signing for ROTATION_GRACE_HOURS, so receivers never see a gap.
 */
@Injectable()
export class OrgWebhookSecrets {
  constructor(private readonly db: DataSource, private readonly config: AppConfig) {}

  /**
   * The secrets deliveries are signed with (by SignedWebhookSender, one signature each): the
   * current one first, then the previous one during its grace.
   */
  async secretsFor(orgId: string): Promise<string[]> {
    let [row]: SecretColumns[] = await this.db.query(
      `SELECT webhook_secret,
              CASE WHEN webhook_previous_secret_expires_at > now() THEN webhook_previous_secret END AS previous,
              webhook_previous_secret_expires_at AS previous_expires_at
       FROM orgs WHERE id = $1`,
      [orgId],
    );
    if (!row) throw notFound('ORG_NOT_FOUND', `Org '${orgId}' not found`);
    if (!row.webhook_secret) {
      // First use: whoever stores first wins; everyone then signs with the stored one.
      [row] = await this.db.query(
        `WITH u AS (
           UPDATE orgs SET webhook_secret = coalesce(webhook_secret, $2) WHERE id = $1
           RETURNING webhook_secret,
                     CASE WHEN webhook_previous_secret_expires_at > now() THEN webhook_previous_secret END AS previous,
                     webhook_previous_secret_expires_at AS previous_expires_at
         ) SELECT * FROM u`,
        [orgId, this.seal(orgId, secretBox.newSigningSecret())],
      );
    }
    const secrets = [this.open(orgId, row.webhook_secret!)];
    if (row.previous) secrets.push(this.open(orgId, row.previous));
    return secrets;
  }

  /** The current secret, once: a second read is refused (rotate to get a new one). */
  async reveal(orgId: string): Promise<RevealedSecret> {
    const rows: Array<{ webhook_secret: string; previous_expires_at: Date | null }> = await this.db.query(
      `WITH u AS (
         UPDATE orgs SET webhook_secret = coalesce(webhook_secret, $2), webhook_secret_revealed_at = now()
         WHERE id = $1 AND webhook_secret_revealed_at IS NULL
         RETURNING webhook_secret,
                   CASE WHEN webhook_previous_secret_expires_at > now() THEN webhook_previous_secret_expires_at END AS previous_expires_at
       ) SELECT * FROM u`,
      [orgId, this.seal(orgId, secretBox.newSigningSecret())],
    );
    if (!rows.length) {
      await this.assertOrgExists(orgId);
      throw conflict(
        'SECRET_ALREADY_REVEALED',
        'The webhook signing secret was already shown once and cannot be read again. '
          + 'Rotate it (POST /services/webhooks/signing-secret/rotate) to get a new one; the old one keeps signing for '
          + `${ROTATION_GRACE_HOURS} h.`,
      );
    }
    return { secret: this.open(orgId, rows[0].webhook_secret), previous_secret_expires_at: iso(rows[0].previous_expires_at) };
  }

  /**
   * A new current secret, shown in this answer only. The one it replaces keeps signing for
   * ROTATION_GRACE_HOURS; a secret that was already "previous" is dropped at once.
   */
  async rotate(orgId: string): Promise<RevealedSecret> {
    const secret = secretBox.newSigningSecret();
    const rows: Array<{ previous_expires_at: Date | null }> = await this.db.query(
      `WITH u AS (
         UPDATE orgs SET webhook_previous_secret = webhook_secret,
                webhook_previous_secret_expires_at = CASE WHEN webhook_secret IS NULL THEN NULL
                                                          ELSE now() + interval '${ROTATION_GRACE_HOURS} hours' END,
                webhook_secret = $2, webhook_secret_revealed_at = now()
         WHERE id = $1
         RETURNING webhook_previous_secret_expires_at AS previous_expires_at
       ) SELECT * FROM u`,
      [orgId, this.seal(orgId, secret)],
    );
    if (!rows.length) throw notFound('ORG_NOT_FOUND', `Org '${orgId}' not found`);
    return { secret, previous_secret_expires_at: iso(rows[0].previous_expires_at) };
  }

  private async assertOrgExists(orgId: string): Promise<void> {
    const [org] = await this.db.query(`SELECT 1 FROM orgs WHERE id = $1`, [orgId]);
    if (!org) throw notFound('ORG_NOT_FOUND', `Org '${orgId}' not found`);
  }

  private seal(orgId: string, secret: string): string {
    return secretBox.seal(this.config.encryptionKey, secret, `org-webhook-secret:${orgId}`);
  }

  private open(orgId: string, stored: string): string {
    // A plain whsec_ value (set by hand by an operator) is accepted as is.
    return stored.startsWith('whsec_') ? stored : secretBox.open(this.config.encryptionKey, stored, `org-webhook-secret:${orgId}`);
  }
}
