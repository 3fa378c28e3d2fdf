import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * `org_webhook_secrets`: an org's Standard Webhooks signing secret (migration OrgWebhookSecrets),
 * secret-box sealed; the row is created at its first use. A plain `whsec_` value (set by hand by
 * an operator) is used as is.
 */
@Entity('org_webhook_secrets')
export class OrgWebhookSecretEntity {
  @PrimaryColumn('text') org_id: string;
  @Column('text') secret: string;
  /** When an admin was shown the current secret (it is shown once). */
  @Column('timestamptz', { nullable: true }) revealed_at: Date | null;
  /** The secret a rotation replaced: it signs too until previous_secret_expires_at. */
  @Column('text', { nullable: true }) previous_secret: string | null;
  @Column('timestamptz', { nullable: true }) previous_secret_expires_at: Date | null;
}
