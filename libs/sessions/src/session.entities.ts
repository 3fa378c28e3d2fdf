import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { ToolCallRecord, Usage } from '@app/job-types';

export type TurnStatus = 'running' | 'complete' | 'max_iterations_reached' | 'error' | 'canceled';

/** A conversation with one agent (a job type of the org). `active_turn_id` null = idle. */
@Entity('sessions')
export class SessionEntity {
  @PrimaryColumn('text') id: string;
  @Column('text') org_id: string;
  @Column('text') agent_type: string;
  @Column('text', { nullable: true }) active_turn_id: string | null;
  @Column('integer') ttl_hours: number;
  @Column('timestamptz') expires_at: Date;
  @Column('integer', { default: 0 }) turn_count: number;
  /** bigint: the driver hands them over as text. */
  @Column('bigint', { default: 0 }) usage_prompt: string;
  @Column('bigint', { default: 0 }) usage_completion: string;
  @Column('bigint', { default: 0 }) usage_total: string;
  @Column('timestamptz', { default: () => 'now()' }) created_at: Date;
  @Column('timestamptz', { default: () => 'now()' }) updated_at: Date;
}

@Entity('session_turns')
export class SessionTurnEntity {
  @PrimaryColumn('text') id: string;
  @Column('text') session_id: string;
  @Column('text') org_id: string;
  @Column('text') agent_type: string;
  @Column('text') status: TurnStatus;
  @Column('text') message: string;
  @Column('jsonb', { nullable: true }) context: Record<string, unknown> | null;
  @Column('text', { nullable: true }) response: string | null;
  @Column('jsonb', { default: () => "'[]'" }) tool_calls: ToolCallRecord[];
  @Column('integer', { default: 0 }) iterations: number;
  @Column('jsonb', { default: () => `'{"total": 0, "prompt": 0, "completion": 0}'` }) usage: Usage;
  @Column('jsonb', { nullable: true }) error: { code: string; message: string } | null;
  @Column('timestamptz', { default: () => 'now()' }) started_at: Date;
  @Column('timestamptz', { nullable: true }) finished_at: Date | null;
  /** Renewed by the API process running the turn; lapsed = that process is gone. */
  @Column('timestamptz', { nullable: true }) lease_expires_at: Date | null;
  @Column('text', { nullable: true }) cancel_reason: string | null;
  @Column('text', { nullable: true }) canceled_by: string | null;
}

@Entity('session_messages')
export class SessionMessageEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id: string;
  @Column('text') session_id: string;
  @Column('text') org_id: string;
  @Column('text') role: 'user' | 'assistant';
  @Column('text') content: string;
  @Column('text', { nullable: true }) turn_id: string | null;
  /** A job run in the session: its brief (user) and result (assistant), appended when it completed. */
  @Column('text', { nullable: true }) job_id: string | null;
  @Column('timestamptz', { default: () => 'clock_timestamp()' }) at: Date;
}

export const SESSION_ENTITIES = [SessionEntity, SessionTurnEntity, SessionMessageEntity];
