import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';

/** `channels`: every target_channel an org's jobs named, validated for its platform (migration DeliverySchema). */
@Entity('channels')
@Unique(['org_id', 'platform', 'code'])
export class ChannelEntity {
  @PrimaryColumn('text') id: string;
  @Column('text') org_id: string;
  @Column('text') platform: string;
  @Column('text', { nullable: true }) type: string | null;
  @Column('text') code: string;
  @Column('jsonb', { nullable: true }) data: Record<string, unknown> | null;
  @Column('timestamptz', { default: () => 'now()' }) created_at: Date;
  @Column('timestamptz', { default: () => 'now()' }) updated_at: Date;
}
