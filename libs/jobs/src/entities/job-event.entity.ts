import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { JobStatus } from '../job-status';

export type JobEventKind = 'transition' | 'delivery';

/**
 * `job_events`: a job's history (transitions, and delivery outcomes with from = to), and the
 * observers' outbox (`dispatched`). Migrations InitialSchema, DeliverySchema, JobEventKind.
 */
@Entity('job_events')
export class JobEventEntity {
  /** bigserial: the pg driver gives it as a string. */
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column('text') job_id: string;
  @Column('text') org_id: string;
  @Column('text', { nullable: true }) from_status: JobStatus | null;
  @Column('text') to_status: JobStatus;
  @Column('timestamptz', { default: () => 'clock_timestamp()' }) at: Date;
  @Column('text') actor: string;
  @Column('text', { nullable: true }) reason: string | null;
  @Column('text', { nullable: true }) task_id: string | null;
  /** False while libs/observers has still to plan the event's webhooks (through the JobEventsOutbox port). */
  @Column('boolean', { default: false }) dispatched: boolean;
  @Column('text', { default: 'transition' }) kind: JobEventKind;
}
