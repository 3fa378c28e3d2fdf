import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DeliveryStatus, WebhookEventType, WebhookPayload } from '../delivery-types';

/** `webhook_deliveries`: one event to one receiver (a job's callback_url or an observer), retried until settled. */
@Entity('webhook_deliveries')
export class WebhookDeliveryEntity {
  /** Also the `webhook-id` of every attempt (receivers dedupe on it). */
  @PrimaryColumn('text') id: string;
  @Column('text') org_id: string;
  @Column('text') job_id: string;
  @Column('text') event_type: WebhookEventType;
  /** `callback_url` or `observer:<index>`. */
  @Column('text') target: string;
  @Column('text') url: string;
  @Column('jsonb') payload: WebhookPayload;
  @Column('text') status: DeliveryStatus;
  /** Automatic attempts claimed so far. */
  @Column('integer', { default: 0 }) attempts: number;
  @Column('timestamptz', { nullable: true }) next_attempt_at: Date | null;
  @Column('integer', { nullable: true }) last_status_code: number | null;
  @Column('text', { nullable: true }) last_error: string | null;
  @Column('timestamptz', { default: () => 'now()' }) created_at: Date;
  @Column('timestamptz', { default: () => 'now()' }) updated_at: Date;
}
