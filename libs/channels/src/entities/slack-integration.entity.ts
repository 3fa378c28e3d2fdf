import { Column, Entity, PrimaryColumn } from 'typeorm';

/** `slack_integrations`: an org's own Slack bot token, sealed (migrations DeliverySchema, SlackIntegrationScopes). */
@Entity('slack_integrations')
export class SlackIntegrationEntity {
  @PrimaryColumn('text') org_id: string;
  /** secret-box sealed, bound to the org id. */
  @Column('text') bot_token_ciphertext: string;
  @Column('text', { nullable: true }) team_id: string | null;
  @Column('text', { nullable: true }) team_name: string | null;
  @Column('text', { nullable: true }) bot_user_id: string | null;
  @Column('timestamptz', { default: () => 'now()' }) created_at: Date;
  @Column('timestamptz', { default: () => 'now()' }) updated_at: Date;
  /** What auth.test reported when the token was stored; null before the column existed or when Slack did not say. */
  @Column('text', { array: true, nullable: true }) scopes: string[] | null;
}
