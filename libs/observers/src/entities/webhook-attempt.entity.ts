import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** `webhook_attempts`: the log of a delivery's attempts, automatic and manual, numbered in order. */
@Entity('webhook_attempts')
export class WebhookAttemptEntity {
  /** bigserial: the pg driver gives it as a string. */
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column('text') delivery_id: string;
  @Column('integer') attempt: number;
  @Column('boolean', { default: false }) manual: boolean;
  @Column('timestamptz', { default: () => 'now()' }) at: Date;
  /** Null until the attempt's outcome is recorded. */
  @Column('integer', { nullable: true }) duration_ms: number | null;
  @Column('integer', { nullable: true }) status_code: number | null;
  @Column('text', { nullable: true }) error: string | null;
}
