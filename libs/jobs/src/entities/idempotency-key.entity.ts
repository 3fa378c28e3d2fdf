import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * `idempotency_keys`: a create's Idempotency-Key, the hash of its request and the job it made, for 24 hours;
 * for a batch create, no job but the batch's first answer (`response`).
 */
@Entity('idempotency_keys')
export class IdempotencyKeyEntity {
  @PrimaryColumn('text') org_id: string;
  @PrimaryColumn('text') key: string;
  @Column('text') request_hash: string;
  @Column('text', { nullable: true }) job_id: string | null;
  @Column('jsonb', { nullable: true }) response: unknown;
  @Column('timestamptz') expires_at: Date;
}
