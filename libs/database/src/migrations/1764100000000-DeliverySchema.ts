import { MigrationInterface, QueryRunner } from 'typeorm';

/** Channels, Slack integration, observers' webhook deliveries, result posts, recurring schedules. */
export class DeliverySchema1764100000000 implements MigrationInterface {
  name = 'DeliverySchema1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE orgs
        ADD COLUMN webhook_secret text,
        ADD COLUMN webhook_secret_revealed_at timestamptz,
        ADD COLUMN webhook_previous_secret text,
        ADD COLUMN webhook_previous_secret_expires_at timestamptz;

      CREATE TABLE channels (
        id text PRIMARY KEY,
        org_id text NOT NULL REFERENCES orgs(id),
        platform text NOT NULL,
        type text,
        code text NOT NULL,
        data jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (org_id, platform, code)
      );
      CREATE INDEX channels_org_created_idx ON channels (org_id, created_at, id);

      ALTER TABLE jobs ADD COLUMN delivery jsonb;

      CREATE TABLE slack_integrations (
        org_id text PRIMARY KEY REFERENCES orgs(id),
        bot_token_ciphertext text NOT NULL,
        team_id text,
        team_name text,
        bot_user_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      -- Transactional outbox: a transition and its "tell the observers" mark commit together.
      ALTER TABLE job_events ADD COLUMN dispatched boolean NOT NULL DEFAULT false;
      CREATE INDEX job_events_undispatched_idx ON job_events (id) WHERE NOT dispatched;

      CREATE TABLE webhook_deliveries (
        id text PRIMARY KEY,
        org_id text NOT NULL,
        job_id text NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        event_type text NOT NULL,
        target text NOT NULL,
        url text NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        last_status_code integer,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX webhook_deliveries_job_idx ON webhook_deliveries (job_id, created_at);
      CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'PENDING';

      CREATE TABLE webhook_attempts (
        id bigserial PRIMARY KEY,
        delivery_id text NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        manual boolean NOT NULL DEFAULT false,
        at timestamptz NOT NULL DEFAULT now(),
        duration_ms integer,
        status_code integer,
        error text
      );
      CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);

      -- One row per completed task result to post to the job's channel (first post, then thread replies).
      CREATE TABLE channel_posts (
        task_id text PRIMARY KEY,
        job_id text NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        org_id text NOT NULL,
        seq integer NOT NULL,
        result jsonb,
        is_final boolean NOT NULL DEFAULT false,
        status text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        ts text,
        error jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX channel_posts_job_idx ON channel_posts (job_id, seq);
      CREATE INDEX channel_posts_due_idx ON channel_posts (next_attempt_at) WHERE status IN ('PENDING', 'SENDING');

      CREATE TABLE schedules (
        id text PRIMARY KEY,
        org_id text NOT NULL REFERENCES orgs(id),
        name text,
        cron text NOT NULL,
        timezone text NOT NULL,
        job jsonb NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        next_run_at timestamptz,
        last_run_at timestamptz,
        last_job_id text,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX schedules_org_created_idx ON schedules (org_id, created_at, id);
      CREATE INDEX schedules_due_idx ON schedules (next_run_at) WHERE enabled;

      CREATE TABLE schedule_runs (
        schedule_id text NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
        fire_at timestamptz NOT NULL,
        job_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (schedule_id, fire_at)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE schedule_runs, schedules, channel_posts, webhook_attempts, webhook_deliveries, slack_integrations, channels;
      ALTER TABLE job_events DROP COLUMN dispatched;
      ALTER TABLE jobs DROP COLUMN delivery;
      ALTER TABLE orgs DROP COLUMN webhook_secret, DROP COLUMN webhook_secret_revealed_at,
        DROP COLUMN webhook_previous_secret, DROP COLUMN webhook_previous_secret_expires_at;
    `);
  }
}
