import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE orgs (
        id text PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE api_tokens (
        id text PRIMARY KEY,
        org_id text NOT NULL REFERENCES orgs(id),
        name text,
        scopes jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        revoked_at timestamptz,
        created_by text
      );
      CREATE INDEX api_tokens_org_created_idx ON api_tokens (org_id, created_at DESC);

      CREATE TABLE job_types (
        org_id text NOT NULL REFERENCES orgs(id),
        id text NOT NULL,
        name text NOT NULL,
        description text,
        executor jsonb NOT NULL,
        params_schema jsonb,
        output_schema jsonb,
        default_config jsonb NOT NULL DEFAULT '{}',
        signing_secret text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, id)
      );

      CREATE TABLE jobs (
        id text PRIMARY KEY,
        org_id text NOT NULL REFERENCES orgs(id),
        job_type_id text NOT NULL,
        status text NOT NULL,
        channel_code text,
        target_channel jsonb NOT NULL,
        params jsonb NOT NULL DEFAULT '{}',
        config jsonb NOT NULL,
        metadata jsonb,
        result jsonb,
        error jsonb,
        scheduled_at timestamptz NOT NULL,
        started_at timestamptz,
        completed_at timestamptz,
        deadline_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        parent_job_id text REFERENCES jobs(id),
        callback_url text,
        observers jsonb,
        follow_ups integer NOT NULL DEFAULT 0,
        created_by text,
        cancel_reason text,
        canceled_by text,
        canceled_at timestamptz
      );
      -- one index per sort field and per equality filter, each ending in the keyset tie-break (id)
      CREATE INDEX jobs_org_created_idx ON jobs (org_id, created_at, id);
      CREATE INDEX jobs_org_updated_idx ON jobs (org_id, updated_at, id);
      CREATE INDEX jobs_org_scheduled_idx ON jobs (org_id, scheduled_at, id);
      CREATE INDEX jobs_org_status_created_idx ON jobs (org_id, status, created_at, id);
      CREATE INDEX jobs_org_type_created_idx ON jobs (org_id, job_type_id, created_at, id);
      CREATE INDEX jobs_org_channel_created_idx ON jobs (org_id, channel_code, created_at, id);
      CREATE INDEX jobs_parent_idx ON jobs (parent_job_id) WHERE parent_job_id IS NOT NULL;
      -- the reconciler's deadline scan
      CREATE INDEX jobs_running_deadline_idx ON jobs (deadline_at) WHERE status = 'RUNNING';

      CREATE TABLE tasks (
        id text PRIMARY KEY,
        job_id text NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        org_id text NOT NULL,
        kind text NOT NULL,
        attempt integer NOT NULL,
        status text NOT NULL,
        run_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        lease_expires_at timestamptz,
        awaiting_callback boolean NOT NULL DEFAULT false,
        result jsonb,
        error jsonb
      );
      CREATE INDEX tasks_job_idx ON tasks (job_id, created_at);
      -- the reconciler's scans: due work Redis may have lost, and leases of crashed workers
      CREATE INDEX tasks_pending_run_at_idx ON tasks (run_at) WHERE status = 'PENDING';
      CREATE INDEX tasks_running_lease_idx ON tasks (lease_expires_at) WHERE status = 'RUNNING' AND NOT awaiting_callback;

      CREATE TABLE job_events (
        id bigserial PRIMARY KEY,
        job_id text NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        org_id text NOT NULL,
        from_status text,
        to_status text NOT NULL,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        actor text NOT NULL,
        reason text,
        task_id text
      );
      CREATE INDEX job_events_job_idx ON job_events (job_id, id);

      CREATE TABLE idempotency_keys (
        org_id text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        job_id text NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (org_id, key)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys, job_events, tasks, jobs, job_types, api_tokens, orgs`);
  }
}
