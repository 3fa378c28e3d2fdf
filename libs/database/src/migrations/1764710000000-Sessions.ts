import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sessions (libs/sessions): conversational turns with an agent, and their history.
 * `active_turn_id` is the busy flag (NULL = idle): a turn starts with one conditional UPDATE
 * setting it, and every end of a turn (answer, cancel, reconciler) clears it in the same
 * statement that ends the turn. A session is expired once it is idle and past `expires_at`.
 * Each periodic scan has its own partial index, so that ORDER BY its key + LIMIT uses it
 * whatever the statistics say.
 */
export class Sessions1764710000000 implements MigrationInterface {
  name = 'Sessions1764710000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sessions (
        id text PRIMARY KEY,
        org_id text NOT NULL REFERENCES orgs(id),
        agent_type text NOT NULL,
        active_turn_id text,
        ttl_hours integer NOT NULL CONSTRAINT sessions_ttl_hours_check CHECK (ttl_hours BETWEEN 1 AND 720),
        expires_at timestamptz NOT NULL,
        turn_count integer NOT NULL DEFAULT 0,
        usage_prompt bigint NOT NULL DEFAULT 0,
        usage_completion bigint NOT NULL DEFAULT 0,
        usage_total bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      -- the list: one index per sort field, with and without the agent_type filter, ending in the keyset tie-break
      CREATE INDEX sessions_org_created_idx ON sessions (org_id, created_at, id);
      CREATE INDEX sessions_org_updated_idx ON sessions (org_id, updated_at, id);
      CREATE INDEX sessions_org_type_created_idx ON sessions (org_id, agent_type, created_at, id);
      CREATE INDEX sessions_org_type_updated_idx ON sessions (org_id, agent_type, updated_at, id);
      -- status=busy (few among many idle ones)
      CREATE INDEX sessions_org_busy_idx ON sessions (org_id, created_at, id) WHERE active_turn_id IS NOT NULL;
      -- the sweeper: idle sessions by expiry
      CREATE INDEX sessions_idle_expires_idx ON sessions (expires_at) WHERE active_turn_id IS NULL;

      CREATE TABLE session_turns (
        id text PRIMARY KEY,
        session_id text NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        org_id text NOT NULL,
        agent_type text NOT NULL,
        status text NOT NULL CONSTRAINT session_turns_status_check
          CHECK (status IN ('running', 'complete', 'max_iterations_reached', 'error', 'canceled')),
        message text NOT NULL,
        context jsonb,
        response text,
        tool_calls jsonb NOT NULL DEFAULT '[]',
        iterations integer NOT NULL DEFAULT 0,
        usage jsonb NOT NULL DEFAULT '{"prompt": 0, "completion": 0, "total": 0}',
        error jsonb,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        lease_expires_at timestamptz,
        cancel_reason text,
        canceled_by text
      );
      -- a session's turns, oldest first (ids are ULIDs: insert order)
      CREATE INDEX session_turns_session_idx ON session_turns (session_id, id);
      -- the reconciler: running turns whose process stopped renewing the lease
      CREATE INDEX session_turns_running_lease_idx ON session_turns (lease_expires_at) WHERE status = 'running';

      CREATE TABLE session_messages (
        id bigserial PRIMARY KEY,
        session_id text NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        org_id text NOT NULL,
        role text NOT NULL CONSTRAINT session_messages_role_check CHECK (role IN ('user', 'assistant')),
        content text NOT NULL,
        turn_id text,
        at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX session_messages_session_idx ON session_messages (session_id, id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE session_messages, session_turns, sessions`);
  }
}
