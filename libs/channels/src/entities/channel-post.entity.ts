import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * `channel_posts`: the delivery outbox, one row per completed task result to post to its job's
 * channel (seq 1 first, then thread replies). Inserted by finishing a task, through this
 * library's fragments (outbox.sql.ts); migration DeliverySchema.
 */
@Entity('channel_posts')
export class ChannelPostEntity {
  @PrimaryColumn('text') task_id: string;
  @Column('text') job_id: string;
  @Column('text') org_id: string;
  @Column('integer') seq: number;
  @Column('jsonb', { nullable: true }) result: unknown;
  @Column('boolean', { default: false }) is_final: boolean;
  /** PENDING, SENDING (leased until next_attempt_at), DELIVERED, FAILED. */
  @Column('text') status: 'PENDING' | 'SENDING' | 'DELIVERED' | 'FAILED';
  @Column('integer', { default: 0 }) attempts: number;
  /** Equal to created_at until the post is first handed back (fresh). */
  @Column('timestamptz', { default: () => 'now()' }) next_attempt_at: Date;
  @Column('text', { nullable: true }) ts: string | null;
  @Column('jsonb', { nullable: true }) error: { code: string; message: string } | null;
  @Column('timestamptz', { default: () => 'now()' }) created_at: Date;
  @Column('timestamptz', { default: () => 'now()' }) updated_at: Date;
}
