import { Column, Entity, PrimaryColumn } from 'typeorm';

/** `idempotency_keys`: a create's Idempotency-Key, the hash of its request and the job it made, for 24 hours. */
@Entity('idempotency_keys')
export class IdempotencyKeyEntity {
  @PrimaryColumn('text') org_id: string;
  @PrimaryColumn('text') key: string;
  @Column('text') request_hash: string;
  @Column('text') job_id: string;
  @Column('timestamptz') expires_at: Date;
}
