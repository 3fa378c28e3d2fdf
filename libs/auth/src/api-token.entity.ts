import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { Scopes } from './access-levels';

@Entity('orgs')
export class OrgEntity {
  @PrimaryColumn('text') id: string;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) created_at: Date;
}

@Entity('api_tokens')
export class ApiTokenEntity {
  @PrimaryColumn('text') id: string;
  @Column('text') org_id: string;
  @Column('text', { nullable: true }) name: string | null;
  @Column('jsonb') scopes: Scopes;
  @CreateDateColumn({ type: 'timestamptz' }) created_at: Date;
  @Column('timestamptz', { nullable: true }) expires_at: Date | null;
  @Column('timestamptz', { nullable: true }) revoked_at: Date | null;
  @Column('text', { nullable: true }) created_by: string | null;
  /** Requests per minute of this token; null: the deployment's RATE_LIMIT_PER_MINUTE. */
  @Column('integer', { nullable: true }) rate_limit_per_minute: number | null;
}
